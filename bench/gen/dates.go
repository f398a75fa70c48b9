package gen

import (
	"math/rand/v2"
	"time"
)

// dateStream is the PCG stream seed of the articles' publication dates:
// each article draws its date from a stream of its own, so dates change no
// other part of an article.
const dateStream = 0x7075626c69736864 // "publishd"

// First and last day of the generated articles' dates.
var (
	firstDay = time.Date(2008, 1, 1, 0, 0, 0, 0, time.UTC)
	lastDay  = time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
)

// bursts are periods when NHS job cuts were much in the news, with the
// share of the articles published in each; the rest spread evenly over
// 2008–2026.
var bursts = []struct {
	from, to time.Time
	share    float64
}{
	// The Nicholson challenge: £20bn of efficiency savings by 2015.
	{time.Date(2010, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2012, 12, 31, 0, 0, 0, 0, time.UTC), 0.22},
	// Trust deficits and the five-year forward view's savings.
	{time.Date(2015, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2016, 12, 31, 0, 0, 0, 0, time.UTC), 0.15},
	// Integrated care boards' running-cost cuts and trusts' recovery plans.
	{time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC), 0.28},
}

// published returns the publication time of article i: a day in a burst
// or anywhere in 2008–2026, at a time of day between 06:00 and 23:59 UTC.
func (g *Generator) published(i int) time.Time {
	r := rand.New(rand.NewPCG(g.seed^dateStream, uint64(i)))
	from, to := firstDay, lastDay
	x := r.Float64()
	for _, b := range bursts {
		if x < b.share {
			from, to = b.from, b.to
			break
		}
		x -= b.share
	}
	days := int(to.Sub(from).Hours()/24) + 1
	day := from.AddDate(0, 0, r.IntN(days))
	return day.Add(6*time.Hour + time.Duration(r.IntN(18*3600))*time.Second)
}
