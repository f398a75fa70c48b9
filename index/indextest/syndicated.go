package indextest

import (
	"strings"
	"time"

	"github.com/cutwatch/cutwatch/search/api"
)

// The texts below were written for cutwatch's tests (the trust, people
// and figures are invented): one news agency story as five papers ran it,
// lightly rewritten, and two different stories about the same trust.

// agencySentences are the agency story's sentences in the agency's order.
var agencySentences = []string{
	"Northshire Hospitals NHS Foundation Trust is to cut 420 jobs over the next two years as it tries to close a deficit of £38 million, bosses have confirmed.",
	"The trust, which runs Kingsbridge General Hospital and St Aldhelm's Community Hospital, said most of the posts would go from administrative and management teams.",
	"About 90 of the roles are currently vacant and will not be filled, according to papers published ahead of a board meeting on Thursday.",
	"Chief executive Margaret Oyelaran said the trust had no choice but to reduce its spending after NHS England asked every organisation in the region to balance its books by March.",
	"She said frontline nursing and medical posts would be protected wherever possible and that staff would be offered redeployment before any compulsory redundancies.",
	"Unison regional organiser Daniel Pryce said members were angry and anxious and warned that losing hundreds of support staff would pile more pressure on clinicians.",
	"The Royal College of Nursing said it would scrutinise the plans closely and called for a full equality impact assessment.",
	"A consultation with staff and unions will begin next month and is expected to last 45 days.",
}

// Syndicated returns the agency story as five papers ran it (ids
// "syn-1" … "syn-5", published an hour apart from syn-1): the agency's
// copy, one with a changed intro line and another byline, one with its
// sentences reordered, one with a few words changed and a paper's
// sign-off, and one with a new headline, a dropped sentence and a
// paper's closing line.
func Syndicated() []api.Article {
	s := agencySentences
	join := func(parts ...string) string { return strings.Join(parts, " ") }
	at := func(h int) time.Time { return time.Date(2026, 3, 4, 6+h, 0, 0, 0, time.UTC) }
	return []api.Article{
		{ID: "syn-1", Title: "Northshire hospitals trust to cut 420 jobs", URL: "https://agency.example/northshire-420-jobs", Published: at(0),
			Text: join("By PA Media health correspondent.", join(s...))},
		{ID: "syn-2", Title: "Northshire hospitals trust to cut 420 jobs", URL: "https://kingsbridge-echo.example/news/420-jobs", Published: at(1),
			Text: join("By Sarah Whitlock, Kingsbridge Echo.", "Hundreds of hospital jobs are set to go in Kingsbridge.", join(s[1:]...))},
		{ID: "syn-3", Title: "Northshire hospitals trust to cut 420 jobs", URL: "https://northshire-gazette.example/2026/03/04/jobs", Published: at(2),
			Text: join("By Gazette reporter.", s[0], s[3], s[4], s[1], s[2], s[5], s[6], s[7])},
		{ID: "syn-4", Title: "Hospital trust confirms 420 job cuts", URL: "https://westcountry-times.example/health/northshire-cuts", Published: at(3),
			Text: join("By Tom Ellery, Westcountry Times.",
				strings.Replace(s[0], "bosses have confirmed", "managers confirmed on Tuesday", 1),
				s[1], s[2], s[3],
				strings.Replace(s[4], "wherever possible", "as far as possible", 1),
				s[5], s[6], s[7], "Westcountry Times has asked the trust for comment.")},
		{ID: "syn-5", Title: "420 jobs to go at Kingsbridge General's trust", URL: "https://the-courier.example/420-jobs-to-go", Published: at(4),
			Text: join("From our health desk.", s[0], s[1], s[2], s[3], s[4], s[5], s[7], "Do you work for the trust? Write to the Courier.")},
	}
}

// SameTrust returns two stories about the trust of Syndicated that are
// not copies of it or of each other (ids "trust-ceo", "trust-ballot").
func SameTrust() []api.Article {
	return []api.Article{
		{ID: "trust-ceo", Title: "Northshire hospitals trust names new chief executive", URL: "https://kingsbridge-echo.example/news/new-chief", Published: time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC),
			Text: "By Sarah Whitlock, Kingsbridge Echo. Northshire Hospitals NHS Foundation Trust has appointed Margaret Oyelaran as its new chief executive. " +
				"She joins from a trust in the Midlands, where she led a recovery plan, and will start in February. " +
				"The trust, which runs Kingsbridge General Hospital and St Aldhelm's Community Hospital, has had three chief executives in four years. " +
				"Chair Alan Beckett said the board was delighted and that Ms Oyelaran would face difficult decisions about the trust's finances, which show a deficit of £38 million. " +
				"Unison said it hoped the new leadership would work with staff and protect jobs."},
		{ID: "trust-ballot", Title: "Porters and cleaners at Northshire hospitals to vote on strike", URL: "https://northshire-gazette.example/2026/03/20/ballot", Published: time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC),
			Text: "By Gazette reporter. Porters, cleaners and catering staff at Northshire Hospitals NHS Foundation Trust are to be balloted on strike action over the plan to cut 420 jobs. " +
				"Unison regional organiser Daniel Pryce said support staff had been treated as an easy target and that the ballot would open on 2 April. " +
				"The trust said it remained committed to consultation and that no compulsory redundancies had been made. " +
				"Staff at Kingsbridge General Hospital held a lunchtime protest outside the main entrance on Friday, carrying placards reading \"No cuts to care\"."},
	}
}
