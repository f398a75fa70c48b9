package tag

import "testing"

// TestPlaceRules has a row for each rule of places.go (findPlaces,
// placeContextOK, afterPlaceInList) and of capsOK as places use it.
func TestPlaceRules(t *testing.T) {
	runRows(t, []Kind{Place}, []entRow{
		{rule: "gazetteer: a town",
			text: "Staff in Wakefield were told.",
			want: []Entity{at(Place, "Wakefield", "Wakefield", 9)}},
		{rule: "gazetteer: the longest name (a county, not its last word)",
			text: "Staff in North Yorkshire were told.",
			want: []Entity{at(Place, "North Yorkshire", "North Yorkshire", 9)}},
		{rule: "a name in lower case is not a place",
			text: "Staff in wakefield were told."},
		{rule: "capsOK: every word of a longer name has its capital",
			text: "Staff in Merthyr tydfil were told."},
		// Regression: capsOK refused the lower-case middle of a hyphenated
		// name, so these gazetteer towns were never found.
		{rule: "capsOK: a lower-case word between hyphens is part of the name",
			text: "Staff in Weston-super-Mare and Chapel-en-le-Frith were told.",
			want: []Entity{at(Place, "Weston-super-Mare", "Weston-super-Mare", 9),
				at(Place, "Chapel-en-le-Frith", "Chapel-en-le-Frith", 31)}},
		{rule: "calendar: a one-word place that is a month is the month",
			text: "The cuts start in March."},
		{rule: "possessive: a place with 's is a place",
			text: "Taunton's hospital will close.",
			want: []Entity{at(Place, "Taunton", "Taunton", 0)}},

		{rule: "claimed: a place inside a trust's or a hospital's name is not a place",
			text: "Staff at Norfolk and Norwich University Hospitals NHS Foundation Trust and Dewsbury and District Hospital in Wakefield were told.",
			want: []Entity{at(Place, "Wakefield", "Wakefield", 109)}},

		// placeContextOK: the words around the name
		{rule: "before: a capitalised word makes the place part of a name",
			text: "Staff at Royal Berkshire were told."},
		{rule: "before: not when the place starts a sentence (a line)",
			text: "Cuts Loom\nWakefield staff were told.",
			want: []Entity{at(Place, "Wakefield", "Wakefield", 10)}},
		{rule: "before: not when the word is a function word",
			text: "Jobs To Go At Wakefield.",
			want: []Entity{at(Place, "Wakefield", "Wakefield", 14)}},
		{rule: "before: not when the word is a locative",
			text: "Jobs To Go Near Wakefield.",
			want: []Entity{at(Place, "Wakefield", "Wakefield", 16)}},
		{rule: "before: a hyphen joins the place to a name",
			text: "Staff at Mid-Essex were told."},
		{rule: "after: a capitalised word makes the place part of a name",
			text: "Staff at Wakefield Council were told."},
		{rule: "after: not a capitalised connector",
			text: "Jobs Go In Wakefield And Pontefract.",
			want: []Entity{at(Place, "Wakefield", "Wakefield", 11), at(Place, "Pontefract", "Pontefract", 25)}},
		{rule: "after: not a capital that starts the next line",
			text: "Jobs go in Wakefield\nUnison said no.",
			want: []Entity{at(Place, "Wakefield", "Wakefield", 11)}},

		// ambiguous places (also common words or surnames)
		{rule: "ambiguous: after a locative, and not without one",
			text: "Staff in Reading were told. Reading the report, she sighed.",
			want: []Entity{at(Place, "Reading", "Reading", 9)}},
		{rule: "ambiguous: not after a verb",
			text: "Staff met Reading yesterday."},
		{rule: "ambiguous (afterPlaceInList): after a place and 'and', ',' or 'or'",
			text: "Staff in Wakefield and Reading, Leeds, Bath or Wells were told.",
			want: []Entity{at(Place, "Wakefield", "Wakefield", 9), at(Place, "Reading", "Reading", 23),
				at(Place, "Leeds", "Leeds", 32), at(Place, "Bath", "Bath", 39), at(Place, "Wells", "Wells", 47)}},
		{rule: "ambiguous (afterPlaceInList): not after something else in a list",
			text: "Staff met Unison and Reading."},

		// regions after "the" (aliases.go: region, shortFormOK)
		{rule: "region: 'the' and a region is the region, even when an SHA is named after it",
			text: "The North West Strategic Health Authority will cut posts. The North West has lost 300 jobs.",
			want: []Entity{at(Place, "North West", "North West", 62)}},
		{rule: "region: an organisation speaks, so 'the' and a region before 'said' is the SHA (TestAliasRules), no place",
			text: "The North West Strategic Health Authority will cut posts. The North West said so."},
		{rule: "region: but 'the' and a town after its trust is the trust",
			text: "The Rotherham NHS Foundation Trust will cut posts. The Rotherham has spent £40m."},
		{rule: "region: regions of the four nations",
			text: "Staff in North Wales, the West Midlands, the South West and the Highlands were told.",
			want: []Entity{at(Place, "North Wales", "North Wales", 9),
				at(Place, "West Midlands", "West Midlands", 26),
				at(Place, "South West", "South West", 45),
				at(Place, "Highlands", "Highlands", 64)}},
		{rule: "compass: a compass word and a borough or county is one place",
			text: "Staff in North Tyneside, South Tyneside and East Kent were told.",
			want: []Entity{at(Place, "North Tyneside", "North Tyneside", 9),
				at(Place, "South Tyneside", "South Tyneside", 25),
				at(Place, "East Kent", "East Kent", 44)}},
	})
}
