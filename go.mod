module github.com/cutwatch/cutwatch

go 1.26.8

require github.com/peterbourgon/ff/v3 v3.4.0
