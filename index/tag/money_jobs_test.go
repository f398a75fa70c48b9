package tag

import (
	"slices"
	"testing"
)

// values returns the Number of every entity of kind k in text, in order.
func values(t *testing.T, tg *Tagger, text string, k Kind) []int64 {
	t.Helper()
	ents, err := tg.Tag(text)
	if err != nil {
		t.Fatalf("Tag(%q): %v", text, err)
	}
	var out []int64
	for _, e := range ents {
		if e.Type == k {
			out = append(out, e.Number)
		}
	}
	return out
}

func TestMoney(t *testing.T) {
	tg := newTagger(t)
	tests := []struct {
		text string
		want []int64
	}{
		{"a target of £55m cuts", []int64{55_000_000}},
		{"it needs to save £6.5 million this year", []int64{6_500_000}},
		{"the £6.5million savings", []int64{6_500_000}},
		{"still £1million short", []int64{1_000_000}},
		{"£20 billion of efficiency savings", []int64{20_000_000_000}},
		{"a £2bn hole", []int64{2_000_000_000}},
		{"a £1.2bn budget", []int64{1_200_000_000}},
		{"a budget of £1.25bn", []int64{1_250_000_000}},
		{"paid £500,000 to consultants", []int64{500_000}},
		{"salaries of £27k", []int64{27_000}},
		{"savings of £300m-a-year", []int64{300_000_000}},
		{"about 55 million pounds", []int64{55_000_000}},
		{"£55 million pounds", []int64{55_000_000}},
		{"£5.2M contract", []int64{5_200_000}},
		{"between £20-25m", []int64{20_000_000, 25_000_000}},
		{"£38m in 2010-11 and a further £17m", []int64{38_000_000, 17_000_000}},
		{"£750,000 on a scheme", []int64{750_000}},
		{"only £40", []int64{40}},
		// negatives
		{"cuts equating to 15% of the budget", nil},
		{"in 2010-11 and 2009/10", nil},
		{"call 0131 536 1000 or 01865 741166", nil},
		{"the £ sign alone, £ and £.", nil},
		{"hundreds of millions of pounds", nil},
		{"£5 more than expected", []int64{5}},
	}
	for _, tc := range tests {
		got := values(t, tg, tc.text, Amount)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: amounts %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestPoundsValueExact(t *testing.T) {
	tests := []struct {
		i, f, unit string
		want       int64
		ok         bool
	}{
		{"1", "2", "bn", 1_200_000_000, true},
		{"6", "5", "m", 6_500_000, true},
		{"1,250", "", "", 1250, true},
		{"6", "50", "", 7, true}, // £6.50 rounds to the nearest pound
		{"2", "345", "k", 2345, true},
		{"99999999999", "", "tn", 0, false}, // overflow is rejected, not wrapped
	}
	for _, tc := range tests {
		got, ok := poundsValue(tc.i, tc.f, tc.unit)
		if got != tc.want || ok != tc.ok {
			t.Errorf("poundsValue(%q, %q, %q) = %d, %v; want %d, %v", tc.i, tc.f, tc.unit, got, ok, tc.want, tc.ok)
		}
	}
}

func TestJobCounts(t *testing.T) {
	tg := newTagger(t)
	tests := []struct {
		text string
		want []int64
	}{
		{"The trust plans to cut 750 jobs over the next three years.", []int64{750}},
		{"Last week it emerged that 366 health jobs could be lost.", []int64{366}},
		{"The loss of 516 administrative posts will save money.", []int64{516}},
		{"MORE than 500 North-East jobs are to be axed.", []int64{500}},
		{"Sunderland trust, which loses 85 posts, Middlesbrough, which loses 82 and Stockton, which loses 80, are hit.", []int64{85, 82, 80}},
		{"The board will cut 1,200 posts by 2013.", []int64{1200}},
		{"Up to 300 staff could lose their jobs.", []int64{300}},
		{"The trust announced 200 redundancies.", []int64{200}},
		{"TWO hundred jobs are set to go.", []int64{200}},
		{"Twenty-five nursing posts are at risk.", []int64{25}},
		{"It plans to cut 293 full-time equivalent posts.", []int64{293}},
		{"Managers said 90 members of staff had been told their posts were at risk.", []int64{90}},
		{"The trust will cut its workforce by 300 next year.", []int64{300}},
		{"It warned of job losses of up to 400 across the county.", []int64{400}},
		{"Where 110 jobs are to go.", []int64{110}},
		// ranges count both ends
		{"The trust said between 250 and 300 posts would be lost.", []int64{250, 300}},
		{"It warned that 150 to 200 jobs could be cut.", []int64{150, 200}},
		{"Cuts mean 40 to 50 nursing posts will go.", []int64{40, 50}},
		{"It will cut two hundred and fifty jobs.", []int64{250}},
		// elliptical counts
		{"Cuts mean 45 posts in pathology will go and a further 30 in radiology.", []int64{45, 30}},
		{"The trust will cut 70 posts. Another 25 will go in estates.", []int64{70, 25}},
		{"The trust will cut 70 posts. Next year a further 60 posts will be reviewed.", []int64{70, 60}},
		{"The trust will shed 190 jobs. The breakdown is: Liverpool PCT 85, Knowsley PCT 40 and Sefton PCT 35.", []int64{190, 85, 40, 35}},
		{"MORE than 200 hospital jobs are to go.", []int64{200}},
		{"The trust will cut 300 jobs. The RCN said 90 nursing posts were included in the total.", []int64{300, 90}},
		// negatives
		{"The trust will cut 70 posts. It has about 300 posts in pathology.", []int64{70}},
		{"The trust employs 300 nurses. Liverpool PCT 85 is a building.", nil},
		{"It will cut 70 posts from 2010 to 2013.", []int64{70}},
		{"The trust will cut 70 posts. Another 25 patients a day will be seen.", []int64{70}},
		{"HUNDREDS of hospital jobs hang in the balance.", nil},
		{"Hundreds more jobs are expected to go.", nil},
		{"The trust employs 7,000 across its three hospitals and jobs will go.", nil},
		{"An estimated 366 jobs out of 10,000 at the trust could be affected.", []int64{366}},
		{"The cuts will close 36 beds and 10 new operating theatres.", nil},
		{"Cuts mean 200 patients a week will wait longer for jobs.", nil},
		{"The trust will create 150 new jobs.", nil},
		{"Cuts equating to 15% of posts.", nil},
		{"Cuts to band 5 nurses and band 6 posts.", nil},
		{"The 12 primary care trusts will cut costs.", nil},
		{"There were about 17 people at the meeting.", nil},
		// "people" is a job noun only in a sentence that says jobs go
		// (jobs.go: the noun found is "people"), whatever its modifiers
		{"The cuts will affect 200 people in the town.", nil},
		{"The cuts will affect 200 young people in the town.", nil},
		{"The cuts mean 40 people will lose their jobs.", []int64{40}},
		{"The cuts mean 40 people face redundancy.", []int64{40}},
		{"The cuts will be made in 2013 and posts will go.", nil},
		{"Call 01865 741166 about job losses.", nil},
	}
	for _, tc := range tests {
		got := values(t, tg, tc.text, Jobs)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: jobs %v, want %v", tc.text, got, tc.want)
		}
	}
}

// TestJobRules has a row for each construction of a job count that
// findJobs reads beyond "N jobs" (TestJobCounts): counts in brackets after
// an organisation (bracketed, listedAfterOrg), "A total of N" (notACount),
// "N of the posts" and ranges before it, "by N" after a workforce noun
// (workforceBy, skipApprox), numbers in words, the next items of a list of
// counts (listedAfterCount, listedAfterNoun), and what is not a count (hire
// verbs, "every one").
func TestJobRules(t *testing.T) {
	runRows(t, []Kind{Jobs}, []entRow{
		{rule: "bracket: a count in brackets after an organisation in a list of cuts",
			text: "Boards will cut 3,800 posts. NHS Fife (312) and NHS Borders (95) will also be hit.",
			want: []Entity{atNum(Jobs, 3800, "3,800", 16),
				atNum(Jobs, 312, "312", 39),
				atNum(Jobs, 95, "95", 61)}},
		{rule: "bracket: after a superlative",
			text: "NHS Lothian is cutting the most (606).",
			want: []Entity{atNum(Jobs, 606, "606", 33)}},
		{rule: "bracket: not without a cut in the sentence or the one before",
			text: "NHS Fife (312) said so."},
		{rule: "bracket: not after a word that is no organisation",
			text: "The trust will cut staff (312) this year."},
		{rule: "a total of: a count at a sentence start",
			text: "A total of 90 posts are affected.",
			want: []Entity{atNum(Jobs, 90, "90", 11)}},
		{rule: "a total of: not in a sentence that sizes a workforce",
			text: "The trust employs a total of 7,000 staff and will cut posts."},
		{rule: "range: both ends at a sentence start, before 'of the posts'",
			text: "Between 150 and 200 of the posts would be lost.",
			want: []Entity{atNum(Jobs, 150, "150", 8),
				atNum(Jobs, 200, "200", 16)}},
		{rule: "of the posts: after a sentence of cuts, without a cut of its own",
			text: "The trust will cut 200 posts. Between 60 and 80 of the posts are in finance. Forty-five of the posts are in nursing.",
			want: []Entity{atNum(Jobs, 200, "200", 19),
				atNum(Jobs, 60, "60", 38),
				atNum(Jobs, 80, "80", 45),
				atNum(Jobs, 45, "Forty-five", 77)}},
		{rule: "of those: a pronoun for the job count before it",
			text: "The trust will axe about 400 jobs. Some 250 of those will go this year.",
			want: []Entity{atNum(Jobs, 400, "400", 25),
				atNum(Jobs, 250, "250", 40)}},
		{rule: "of those: not when the last number counts something else, nor before a noun",
			text: "The trust will cut 400 posts. It treated 9,000 patients and 250 of those were seen at home. Some 30 of those patients were moved.",
			want: []Entity{atNum(Jobs, 400, "400", 19)}},
		{rule: "of the posts: not in an article without cuts",
			text: "About 60 of the posts are in finance."},
		{rule: "workforce by: approximators between 'by' and the count, and 'down by' is a cut",
			text: "The trust must bring its headcount down by at least 275.",
			want: []Entity{atNum(Jobs, 275, "275", 52)}},
		{rule: "workforce by: 'a further'",
			text: "The board could cut its workforce by a further 110.",
			want: []Entity{atNum(Jobs, 110, "110", 47)}},
		{rule: "workforce by: not without a workforce noun",
			text: "The trust must bring its deficit down by 300 and cut waiting lists by 40."},
		{rule: "words: a count in words at a sentence start, and thousands",
			text: "Eight hundred posts would go. The service will close with the loss of about two thousand jobs.",
			want: []Entity{atNum(Jobs, 800, "Eight hundred", 0),
				atNum(Jobs, 2000, "two thousand", 76)}},
		{rule: "ellipsis: the next item of a list after a count of its sentence",
			text: "The cuts include 30 nursing posts and 25 in the laboratory. A total of 90 posts are affected, along with 110 in the regional offices.",
			want: []Entity{atNum(Jobs, 30, "30", 17),
				atNum(Jobs, 25, "25", 38),
				atNum(Jobs, 90, "90", 71),
				atNum(Jobs, 110, "110", 105)}},
		{rule: "ellipsis: not a number with a noun of its own",
			text: "The cuts include 30 nursing posts and 25 beds.",
			want: []Entity{atNum(Jobs, 30, "30", 17)}},
		{rule: "ellipsis: after a noun for a place of work",
			text: "Scunthorpe General will lose 60 posts and the Grimsby hospital 55.",
			want: []Entity{atNum(Jobs, 60, "60", 29),
				atNum(Jobs, 55, "55", 63)}},
		{rule: "hire verbs: staff recruited are not cut",
			text: "No posts will be cut and the trust is recruiting 40 midwives."},
		{rule: "every one: no count",
			text: "Every one of these jobs matters, and 300 jobs will go.",
			want: []Entity{atNum(Jobs, 300, "300", 37)}},
		{rule: "bracket: after a name the rules do not know, in a sentence of job cuts",
			text: "A total of 1,200 posts will go at three trusts: Mid Yorkshire (450), Calderdale and Huddersfield (400) and Airedale (350).",
			want: []Entity{atNum(Jobs, 1200, "1,200", 11),
				atNum(Jobs, 450, "450", 63),
				atNum(Jobs, 400, "400", 98),
				atNum(Jobs, 350, "350", 117)}},
		{rule: "bracket: not in a sentence of other cuts",
			text: "Wards will close at Leeds (40) and York (30)."},
		{rule: "hyphen: a count joined to its noun",
			text: "The trust plans a 500-job cut. More than 1,000-plus jobs are at risk.",
			want: []Entity{atNum(Jobs, 500, "500", 18),
				atNum(Jobs, 1000, "1,000", 41)}},
		{rule: "workforce by: a verb of falling before 'by'",
			text: "Staff numbers will fall by 230 over two years. Waiting lists will fall by 300.",
			want: []Entity{atNum(Jobs, 230, "230", 27)}},
		{rule: "ellipsis: 'a further N to follow', not a range",
			text: "The trust will axe 75 posts, with a further 40 to follow next year.",
			want: []Entity{atNum(Jobs, 75, "75", 19),
				atNum(Jobs, 40, "40", 44)}},
		{rule: "range: 'Between N and M jobs' at a sentence start, both ends; 'A total of N jobs are to go'",
			text: "Between 300 and 400 jobs will go at the trust. A total of 2,300 jobs are to go across Wales.",
			want: []Entity{atNum(Jobs, 300, "300", 8),
				atNum(Jobs, 400, "400", 16),
				atNum(Jobs, 2300, "2,300", 58)}},
		{rule: "ellipsis: the items of a list after a colon",
			text: "In all, 145 jobs will go: 85 at the Royal Gwent and 60 at Nevill Hall.",
			want: []Entity{atNum(Jobs, 145, "145", 8),
				atNum(Jobs, 85, "85", 26),
				atNum(Jobs, 60, "60", 52)}},
		{rule: "job nouns: call handlers and healthcare assistants",
			text: "The service will cut 30 paramedic posts and 20 call handlers, and 15 healthcare assistants will go.",
			want: []Entity{atNum(Jobs, 30, "30", 21),
				atNum(Jobs, 20, "20", 44),
				atNum(Jobs, 15, "15", 66)}},
	})
}
