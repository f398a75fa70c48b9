package tag

import (
	"strings"
	"testing"
)

// TestOrgRules has a row for each rule of orgs.go: the gazetteer of NHS
// organisations and unions (findGazetteerOrgs, capsOK, nameContinues,
// eraOrg, unionOK, fuzzyUnion) with the renamed bodies of renamed.tsv,
// organisations named by their suffix (findSuffixOrgs, addSuffixOrg,
// suffixCaseOK, nameStart, descriptorsOnly, partOfEarlierName,
// townListBefore, listStart, listItems, resolveShortNames) and acronyms
// defined in brackets (findAcronymDefinitions, looksLikeAcronym). Hospitals are listed too, so
// that rows can show a name going to a hospital rather than a trust.
func TestOrgRules(t *testing.T) {
	runRows(t, []Kind{Trust, Union, Hospital}, []entRow{
		// findGazetteerOrgs: data/nhs_orgs.tsv
		{rule: "gazetteer: canonical name",
			text: "NHS Lothian will cut posts.",
			want: []Entity{at(Trust, "NHS Lothian", "NHS Lothian", 0)}},
		{rule: "gazetteer: an alias is reported with the canonical name",
			text: "Staff at Oxford Radcliffe Hospitals were told.",
			want: []Entity{at(Trust, "Oxford Radcliffe Hospitals NHS Trust", "Oxford Radcliffe Hospitals", 9)}},
		{rule: "gazetteer: possessives and 'and' inside a name",
			text: "Guy's and St Thomas' NHS Foundation Trust will cut posts.",
			want: []Entity{at(Trust, "Guy's and St Thomas' NHS Foundation Trust", "Guy's and St Thomas' NHS Foundation Trust", 0)}},
		{rule: "gazetteer (capsOK): a name may start with a number",
			text: "5 Boroughs Partnership NHS Foundation Trust will cut posts.",
			want: []Entity{at(Trust, "5 Boroughs Partnership NHS Foundation Trust", "5 Boroughs Partnership NHS Foundation Trust", 0)}},
		{rule: "gazetteer (capsOK): a name written in lower case is not a mention",
			text: "Staff at norfolk and norwich university hospitals nhs foundation trust were told."},
		{rule: "gazetteer (capsOK): nor is one with a lower-case word other than a connector",
			text: "Staff at Norfolk and Norwich university Hospitals NHS Foundation Trust were told."},
		{rule: "gazetteer: PCT brand name NHS <place>",
			text: "NHS Western Cheshire said posts would go.",
			want: []Entity{at(Trust, "Western Cheshire Primary Care Trust", "NHS Western Cheshire", 0)}},
		{rule: "gazetteer: not after a hospital prefix (a hospital named after the man)",
			text: "Ysbyty Aneurin Bevan opened.",
			want: []Entity{at(Hospital, "Ysbyty Aneurin Bevan", "Ysbyty Aneurin Bevan", 0)}},
		{rule: "gazetteer (nameContinues): a name that goes on is left to the suffix rules",
			text: "NHS Leeds North CCG will merge.",
			want: []Entity{at(Trust, "NHS Leeds North Clinical Commissioning Group", "NHS Leeds North CCG", 0)}},
		{rule: "gazetteer (nameContinues): a suffix in lower case also carries the name on",
			text: "NHS Leeds clinical commissioning group said so.",
			want: []Entity{at(Trust, "NHS Leeds Clinical Commissioning Group", "NHS Leeds clinical commissioning group", 0)}},
		{rule: "gazetteer (nameContinues): a capital that starts the next line does not",
			text: "Staff at NHS Leeds\nUnison said no.",
			want: []Entity{at(Trust, "Leeds Primary Care Trust", "NHS Leeds", 9), at(Union, "Unison", "Unison", 19)}},
		{rule: "gazetteer: one-word acronym alias as the gazetteer writes it or in capitals",
			text: "EMAS said so. RDaSH and RDASH said so.",
			want: []Entity{
				at(Trust, "East Midlands Ambulance Service NHS Trust", "EMAS", 0),
				at(Trust, "Rotherham Doncaster and South Humber NHS Foundation Trust", "RDaSH", 14),
				at(Trust, "Rotherham Doncaster and South Humber NHS Foundation Trust", "RDASH", 24)}},

		// Regression: the case check compared the canonical name (never an
		// acronym) instead of the alias, so "Emas" was East Midlands
		// Ambulance Service.
		{rule: "gazetteer: one-word acronym alias in title case is not a mention",
			text: "Emas said so. Rdash and Uhb said so."},

		// unions: data/unions.tsv, unionOK
		{rule: "union: acronym only in capitals as written",
			text: "The GMB and the gmb met.",
			want: []Entity{at(Union, "GMB", "GMB", 4)}},
		{rule: "union: 'capital' alias needs its capital (not 'in unison')",
			text: "Unison met staff who sang in unison.",
			want: []Entity{at(Union, "Unison", "Unison", 0)}},
		{rule: "union: other aliases match in any case",
			text: "Staff in the royal college of nursing met.",
			want: []Entity{at(Union, "Royal College of Nursing", "royal college of nursing", 13)}},
		{rule: "union: longest alias wins",
			text: "Unite the Union and the GMB union met.",
			want: []Entity{at(Union, "Unite", "Unite the Union", 0), at(Union, "GMB", "GMB union", 24)}},

		// fuzzyUnion and osa: one edit from a single-word union name
		{rule: "fuzzy union: substitution, transposition, deletion, insertion",
			text: "Unisob, Uinson, Unson and Unisonn met.",
			want: []Entity{at(Union, "Unison", "Unisob", 0), at(Union, "Unison", "Uinson", 8),
				at(Union, "Unison", "Unson", 16), at(Union, "Unison", "Unisonn", 26)}},
		{rule: "fuzzy union: not a word in lower case",
			text: "Staff at unsion met."},
		{rule: "fuzzy union: not a known common word ('Union' is one edit from Unison)",
			text: "The Union said so."},
		{rule: "fuzzy union: not an alias marked exact ('United' is one edit from Unite)",
			text: "Staff at Leeds United met."},

		// findSuffixOrgs: data/org_suffixes.tsv
		{rule: "suffix: capitalised words before a suffix name an organisation",
			text: "Queen Victoria Hospital NHS Foundation Trust will cut posts.",
			want: []Entity{at(Trust, "Queen Victoria Hospital NHS Foundation Trust", "Queen Victoria Hospital NHS Foundation Trust", 0)}},
		{rule: "suffix: an acronym suffix is expanded",
			text: "Wyre Forest PCT asked staff to leave.",
			want: []Entity{at(Trust, "Wyre Forest Primary Care Trust", "Wyre Forest PCT", 0)}},
		{rule: "suffix (suffixCaseOK): an acronym suffix must be in capitals",
			text: "Wyre Forest pct asked staff to leave."},
		{rule: "suffix: nhsprefix adds NHS to the name (CCG, ICB)",
			text: "Wyre Forest CCG is cutting staff.",
			want: []Entity{at(Trust, "NHS Wyre Forest Clinical Commissioning Group", "Wyre Forest CCG", 0)}},
		{rule: "suffix: nhsprefix does not add a second NHS",
			text: "NHS Wyre Forest CCG is cutting staff.",
			want: []Entity{at(Trust, "NHS Wyre Forest Clinical Commissioning Group", "NHS Wyre Forest CCG", 0)}},
		{rule: "suffix (lookupOrg): another form of a gazetteer name is that organisation",
			text: "Staff at Basildon & Thurrock University Hospitals Foundation Trust met.",
			want: []Entity{at(Trust, "Basildon and Thurrock University Hospitals NHS Foundation Trust",
				"Basildon & Thurrock University Hospitals Foundation Trust", 9)}},
		{rule: "suffix: no name before the suffix, no organisation",
			text: "The trust and the PCT and the Foundation Trust met."},
		{rule: "suffix: a possessive before the suffix describes, it does not name",
			text: "NHS Kernow, Cornwall's clinical commissioning group, said no.",
			want: []Entity{at(Trust, "NHS Kernow Clinical Commissioning Group", "NHS Kernow", 0)}},
		{rule: "suffix (needsdesc): a bare Trust after a health word is an NHS trust, not after another word",
			text: "Mid Essex Hospitals Trust and the Wellcome Trust met.",
			want: []Entity{at(Trust, "Mid Essex Hospitals NHS Trust", "Mid Essex Hospitals Trust", 0)}},
		{rule: "suffix (suffixCaseOK): a bare Trust needs its capital",
			text: "Mid Essex Hospitals trust said so."},
		{rule: "suffix (suffixCaseOK): so does a suffix flagged capital",
			text: "Staff at Wyre Forest health board met."},
		{rule: "suffix (descriptorsOnly): descriptors alone name no organisation",
			text: "Staff at the county's Mental Health NHS Foundation Trust were told."},
		{rule: "suffix (descriptorsOnly): descriptors alone are the end of a name given earlier",
			text: "Norfolk and Waveney Mental Health NHS Foundation Trust will cut posts. The Mental Health NHS Foundation Trust said so.",
			want: []Entity{
				at(Trust, "Norfolk and Waveney Mental Health NHS Foundation Trust", "Norfolk and Waveney Mental Health NHS Foundation Trust", 0),
				at(Trust, "Norfolk and Waveney Mental Health NHS Foundation Trust", "Mental Health NHS Foundation Trust", 75)}},
		{rule: "suffix (partOfEarlierName): the end of an earlier name",
			text: "NHS Leeds North CCG and NHS Leeds West CCG will merge. The chair of the West CCG said so.",
			want: []Entity{
				at(Trust, "NHS Leeds North Clinical Commissioning Group", "NHS Leeds North CCG", 0),
				at(Trust, "NHS Leeds West Clinical Commissioning Group", "NHS Leeds West CCG", 24),
				at(Trust, "NHS Leeds West Clinical Commissioning Group", "West CCG", 72)}},
		{rule: "suffix (partOfEarlierName): the start of an earlier name",
			text: "Wyre Forest North CCG will merge. The Wyre Forest CCG said so.",
			want: []Entity{
				at(Trust, "NHS Wyre Forest North Clinical Commissioning Group", "Wyre Forest North CCG", 0),
				at(Trust, "NHS Wyre Forest North Clinical Commissioning Group", "Wyre Forest CCG", 38)}},
		{rule: "suffix (partOfEarlierName): two earlier names fit, so the name is its own",
			text: "Wyre Forest North CCG and Wyre Forest South CCG will merge. The Wyre Forest CCG said so.",
			want: []Entity{
				at(Trust, "NHS Wyre Forest North Clinical Commissioning Group", "Wyre Forest North CCG", 0),
				at(Trust, "NHS Wyre Forest South Clinical Commissioning Group", "Wyre Forest South CCG", 26),
				at(Trust, "NHS Wyre Forest Clinical Commissioning Group", "Wyre Forest CCG", 64)}},

		// nameStart: where the name before a suffix begins
		{rule: "nameStart: stops at a role word",
			text: "Chief Executive Wyre Forest PCT met.",
			want: []Entity{at(Trust, "Wyre Forest Primary Care Trust", "Wyre Forest PCT", 16)}},
		{rule: "nameStart: stops at a function word",
			text: "Yesterday Wyre Forest PCT met.",
			want: []Entity{at(Trust, "Wyre Forest Primary Care Trust", "Wyre Forest PCT", 10)}},
		{rule: "nameStart: goes on over '&'",
			text: "Staff at Basildon & Thurrock Hospitals NHS Trust met.",
			want: []Entity{at(Trust, "Basildon & Thurrock Hospitals NHS Trust", "Basildon & Thurrock Hospitals NHS Trust", 9)}},
		{rule: "nameStart: goes on over the full stop of 'St.'",
			text: "Staff at St. Austell Hospitals NHS Trust met.",
			want: []Entity{at(Trust, "St. Austell Hospitals NHS Trust", "St. Austell Hospitals NHS Trust", 9)}},
		{rule: "nameStart: goes on over hyphens and a connector inside them",
			text: "Staff at Stoke-on-Trent PCT were told.",
			want: []Entity{at(Trust, "Stoke on Trent Primary Care Trust", "Stoke-on-Trent PCT", 9)}},
		// Regression: nameStart stopped at the lower-case "super", giving
		// "Mare Hospitals NHS Trust".
		{rule: "nameStart: goes on over any lower-case word between hyphens",
			text: "Staff at Weston-super-Mare Hospitals NHS Trust were told.",
			want: []Entity{at(Trust, "Weston-super-Mare Hospitals NHS Trust", "Weston-super-Mare Hospitals NHS Trust", 9)}},
		{rule: "nameStart: 'and' after a hospital's head word joins two names",
			text: "Staff at Dewsbury and District Hospital and Calderdale Hospitals NHS Trust met.",
			want: []Entity{at(Hospital, "Dewsbury and District Hospital", "Dewsbury and District Hospital", 9),
				at(Trust, "Calderdale Hospitals NHS Trust", "Calderdale Hospitals NHS Trust", 44)}},
		{rule: "nameStart (townListBefore): 'and' after 'in <place>' joins a place and a name",
			text: "Staff in Penzance and Cornwall Hospitals NHS Trust met.",
			want: []Entity{at(Trust, "Cornwall Hospitals NHS Trust", "Cornwall Hospitals NHS Trust", 22)}},

		// findAcronymDefinitions and looksLikeAcronym
		{rule: "acronym: defined in brackets after a trust",
			text: "Oxford Radcliffe Hospitals NHS Trust (ORH) is cutting jobs.",
			want: []Entity{at(Trust, "Oxford Radcliffe Hospitals NHS Trust", "Oxford Radcliffe Hospitals NHS Trust", 0),
				at(Trust, "Oxford Radcliffe Hospitals NHS Trust", "ORH", 38)}},
		{rule: "acronym: defined in brackets after a union",
			text: "Federation of Clinical Scientists (FCS) said so.",
			want: []Entity{at(Union, "Federation of Clinical Scientists", "Federation of Clinical Scientists", 0),
				at(Union, "Federation of Clinical Scientists", "FCS", 35)}},
		{rule: "acronym: defined in brackets after a hospital",
			text: "Royal Victoria Infirmary (RVI) said.",
			want: []Entity{at(Hospital, "Royal Victoria Infirmary", "Royal Victoria Infirmary", 0),
				at(Hospital, "Royal Victoria Infirmary", "RVI", 26)}},
		{rule: "acronym: mixed case as organisations write it",
			text: "South London and Maudsley NHS Foundation Trust (SLaM) said so.",
			want: []Entity{at(Trust, "South London and Maudsley NHS Foundation Trust", "South London and Maudsley NHS Foundation Trust", 0),
				at(Trust, "South London and Maudsley NHS Foundation Trust", "SLaM", 48)}},
		{rule: "acronym: not a generic suffix or NHS",
			text: "Wyre Forest Hospital NHS Trust (PCT) met. Wyre Forest Hospital NHS Trust (NHS) met.",
			want: []Entity{at(Trust, "Wyre Forest Hospital NHS Trust", "Wyre Forest Hospital NHS Trust", 0),
				at(Trust, "Wyre Forest Hospital NHS Trust", "Wyre Forest Hospital NHS Trust", 42)}},
		{rule: "acronym: not a number, one letter, one capital, a digit, over eight letters, or words",
			text: "Wyre Forest Hospital NHS Trust (2010) met. Wyre Forest Hospital NHS Trust (A) met. " +
				"Wyre Forest Hospital NHS Trust (Wfht) met. Wyre Forest Hospital NHS Trust (PFI2) met. " +
				"Wyre Forest Hospital NHS Trust (CONFIRMED) met. Wyre Forest Hospital NHS Trust (the trust) met.",
			want: []Entity{
				at(Trust, "Wyre Forest Hospital NHS Trust", "Wyre Forest Hospital NHS Trust", 0),
				at(Trust, "Wyre Forest Hospital NHS Trust", "Wyre Forest Hospital NHS Trust", 43),
				at(Trust, "Wyre Forest Hospital NHS Trust", "Wyre Forest Hospital NHS Trust", 83),
				at(Trust, "Wyre Forest Hospital NHS Trust", "Wyre Forest Hospital NHS Trust", 126),
				at(Trust, "Wyre Forest Hospital NHS Trust", "Wyre Forest Hospital NHS Trust", 169),
				at(Trust, "Wyre Forest Hospital NHS Trust", "Wyre Forest Hospital NHS Trust", 217)}},

		{rule: "union (alone): a common word as a union only on its own",
			text: "Prospect, which represents economists, said so. Staff met at Prospect Park.",
			want: []Entity{at(Union, "Prospect", "Prospect", 0)}},
		{rule: "union: NIPSA in capitals or as Nipsa",
			text: "NIPSA and Nipsa said so.",
			want: []Entity{at(Union, "Northern Ireland Public Service Alliance", "NIPSA", 0),
				at(Union, "Northern Ireland Public Service Alliance", "Nipsa", 10)}},

		// renamed.tsv, PCT clusters, brands of two eras (eraOrg), lists before
		// plural suffixes (listStart, listItems), short names before the full
		// name (resolveShortNames)
		{rule: "renamed: Monitor, the TDA and NHS Improvement are three bodies",
			text: "Monitor and the NHS Trust Development Authority became NHS Improvement (NHSI) in 2016. The TDA said so.",
			want: []Entity{at(Trust, "Monitor", "Monitor", 0),
				at(Trust, "NHS Trust Development Authority", "NHS Trust Development Authority", 16),
				at(Trust, "NHS Improvement", "NHS Improvement", 55),
				at(Trust, "NHS Improvement", "NHSI", 72),
				at(Trust, "NHS Trust Development Authority", "TDA", 91)}},
		{rule: "renamed: a one-word name after a capitalised word is part of another name",
			text: "The Christian Science Monitor said so, and staff monitor the cuts."},
		{rule: "renamed: a former name is the body under that name, not its successor",
			text: "Royal Wolverhampton Hospitals NHS Trust became the Royal Wolverhampton NHS Trust.",
			want: []Entity{at(Trust, "Royal Wolverhampton Hospitals NHS Trust", "Royal Wolverhampton Hospitals NHS Trust", 0),
				at(Trust, "Royal Wolverhampton NHS Trust", "Royal Wolverhampton NHS Trust", 51)}},
		{rule: "renamed: a brand every era used stays with the current body",
			text: "West Midlands Ambulance Service NHS Foundation Trust said so. West Midlands Ambulance Service said so.",
			want: []Entity{at(Trust, "West Midlands Ambulance Service NHS Foundation Trust", "West Midlands Ambulance Service NHS Foundation Trust", 0),
				at(Trust, "West Midlands Ambulance Service University NHS Foundation Trust", "West Midlands Ambulance Service", 62)}},
		{rule: "renamed: NHS England and NHS Improvement are two bodies",
			text: "NHS England and NHS Improvement said so.",
			want: []Entity{at(Trust, "NHS England", "NHS England", 0),
				at(Trust, "NHS Improvement", "NHS Improvement", 16)}},
		{rule: "merger: the merging trusts and the merged one are three bodies, each under its own name",
			text: "Ashcombe Hospitals NHS Trust and Thorncliffe Healthcare NHS Trust merged in 2012 to form Ashcombe and Thorncliffe NHS Foundation Trust.",
			want: []Entity{at(Trust, "Ashcombe Hospitals NHS Trust", "Ashcombe Hospitals NHS Trust", 0),
				at(Trust, "Thorncliffe Healthcare NHS Trust", "Thorncliffe Healthcare NHS Trust", 33),
				at(Trust, "Ashcombe and Thorncliffe NHS Foundation Trust", "Ashcombe and Thorncliffe NHS Foundation Trust", 89)}},
		{rule: "renamed: a PCT, the CCG that replaced it and the ICB it joined are three bodies",
			text: "NHS Thorncliffe CCG replaced Thorncliffe PCT in 2013 and became part of NHS Ashcombe ICB in 2022.",
			want: []Entity{at(Trust, "NHS Thorncliffe Clinical Commissioning Group", "NHS Thorncliffe CCG", 0),
				at(Trust, "Thorncliffe Primary Care Trust", "Thorncliffe PCT", 29),
				at(Trust, "NHS Ashcombe Integrated Care Board", "NHS Ashcombe ICB", 72)}},
		{rule: "cluster: a PCT cluster is an organisation of its own",
			text: "The Greater Anytown PCT cluster will cut posts.",
			want: []Entity{at(Trust, "Greater Anytown Primary Care Trust Cluster", "Greater Anytown PCT cluster", 4)}},
		{rule: "cluster: the gazetteer's cluster by its suffix",
			text: "The Birmingham and Solihull PCT cluster will cut posts.",
			want: []Entity{at(Trust, "Birmingham and Solihull Primary Care Trust Cluster", "Birmingham and Solihull PCT cluster", 4)}},
		{rule: "cluster (nonhs): 'cluster of primary care trusts' after a brand",
			text: "The NHS North Central London cluster of primary care trusts and the Black Country cluster of PCTs will cut posts.",
			want: []Entity{at(Trust, "North Central London Primary Care Trust Cluster", "NHS North Central London cluster of primary care trusts", 4),
				at(Trust, "Black Country Primary Care Trust Cluster", "Black Country cluster of PCTs", 68)}},
		{rule: "cluster (resolveShortNames): a short name before the full one",
			text: "Birmingham PCT cluster to cut posts. The Birmingham and Solihull PCT cluster said so.",
			want: []Entity{at(Trust, "Birmingham and Solihull Primary Care Trust Cluster", "Birmingham PCT cluster", 0),
				at(Trust, "Birmingham and Solihull Primary Care Trust Cluster", "Birmingham and Solihull PCT cluster", 41)}},
		{rule: "era: a brand two eras used, in an article of PCTs",
			text: "NHS Sussex, the cluster of primary care trusts, said so.",
			want: []Entity{at(Trust, "Sussex Primary Care Trust Cluster", "NHS Sussex", 0)}},
		{rule: "era: the same brand in an article of ICBs",
			text: "NHS Sussex, the integrated care board, said so.",
			want: []Entity{at(Trust, "NHS Sussex Integrated Care Board", "NHS Sussex", 0)}},
		{rule: "era: a body the article has named wins over era words",
			text: "NHS Sussex Integrated Care Board will cut posts. NHS Sussex said the PCTs had gone.",
			want: []Entity{at(Trust, "NHS Sussex Integrated Care Board", "NHS Sussex Integrated Care Board", 0),
				at(Trust, "NHS Sussex Integrated Care Board", "NHS Sussex", 49)}},
		{rule: "plural: a list of names before a plural suffix, split where the gazetteer knows every item",
			text: "It is merging with the East Midlands and East of England SHAs.",
			want: []Entity{at(Trust, "East Midlands Strategic Health Authority", "East Midlands", 23),
				at(Trust, "East of England Strategic Health Authority", "East of England SHAs", 41)}},
		{rule: "plural: else at every comma and the first 'and' of the last item",
			text: "NHS Leeds North, Leeds West and Leeds South and East CCGs will merge.",
			want: []Entity{at(Trust, "NHS Leeds North Clinical Commissioning Group", "NHS Leeds North", 0),
				at(Trust, "NHS Leeds West Clinical Commissioning Group", "Leeds West", 17),
				at(Trust, "NHS Leeds South and East Clinical Commissioning Group", "Leeds South and East CCGs", 32)}},
		{rule: "plural: an acronym suffix in capitals only",
			text: "Calderdale and Kirklees Pcts will merge."},
		{rule: "gazetteer: a name's closing apostrophe is the name's, straight or curly; a possessive's is not",
			text: "Nurses at Guy's and St Thomas' will be protected; Guy’s and St Thomas’ agreed, and so did Barts Health' staff.",
			want: []Entity{at(Trust, "Guy's and St Thomas' NHS Foundation Trust", "Guy's and St Thomas'", 10),
				at(Trust, "Guy's and St Thomas' NHS Foundation Trust", "Guy’s and St Thomas’", 50),
				at(Trust, "Barts Health NHS Trust", "Barts Health", 94)}},
		{rule: "gazetteer: a CCG with a comma in its name",
			text: "NHS Windsor, Ascot and Maidenhead CCG said so.",
			want: []Entity{at(Trust, "NHS Windsor, Ascot and Maidenhead Clinical Commissioning Group", "NHS Windsor, Ascot and Maidenhead CCG", 0)}},
		{rule: "gazetteer: Northern Ireland's trusts by their short names",
			text: "The Belfast Trust and the Western Trust will lose posts.",
			want: []Entity{at(Trust, "Belfast Health and Social Care Trust", "Belfast Trust", 4),
				at(Trust, "Western Health and Social Care Trust", "Western Trust", 26)}},
		{rule: "gazetteer (addBrandNames): an ICB by its brand NHS <area>, before or without its full name",
			text: "NHS Cheshire and Merseyside will take over in 2022.",
			want: []Entity{at(Trust, "NHS Cheshire and Merseyside Integrated Care Board", "NHS Cheshire and Merseyside", 0)}},
		{rule: "gazetteer: a care trust's brand name NHS <place>",
			text: "NHS North East Lincolnshire said so.",
			want: []Entity{at(Trust, "North East Lincolnshire Care Trust Plus", "NHS North East Lincolnshire", 0)}},
		{rule: "gazetteer (suffixBeyond): not when a suffix inside the name runs on past it",
			text: "The North Yorkshire and York PCT cluster and the Greater Manchester PCT cluster will shed posts.",
			want: []Entity{at(Trust, "North Yorkshire and York Primary Care Trust Cluster", "North Yorkshire and York PCT cluster", 4),
				at(Trust, "Greater Manchester Primary Care Trust Cluster", "Greater Manchester PCT cluster", 49)}},
		{rule: "plural: a single name before a plural suffix names no one body",
			text: "NHS Leeds CCG replaced the three Leeds CCGs.",
			want: []Entity{at(Trust, "NHS Leeds Clinical Commissioning Group", "NHS Leeds CCG", 0)}},
		{rule: "gazetteer (addShortTrustNames): a trust's name without its suffix, from the first mention",
			text: "Frimley Health and Mid Yorkshire Hospitals will cut posts; Heatherwood and Wexham Park was its neighbour.",
			want: []Entity{at(Trust, "Frimley Health NHS Foundation Trust", "Frimley Health", 0),
				at(Trust, "Mid Yorkshire Hospitals NHS Trust", "Mid Yorkshire Hospitals", 19),
				at(Trust, "Heatherwood and Wexham Park Hospitals NHS Foundation Trust", "Heatherwood and Wexham Park", 59)}},
		{rule: "gazetteer (addShortTrustNames): not a name that is only places, nor a hospital",
			text: "Calderdale and Huddersfield will cut posts at Frimley Park Hospital.",
			want: []Entity{at(Hospital, "Frimley Park Hospital", "Frimley Park Hospital", 46)}},
		{rule: "gazetteer (addShortTrustNames): 'University Hospitals' and a place, without the suffix",
			text: "The trust will be taken over by University Hospitals Birmingham.",
			want: []Entity{at(Trust, "University Hospitals Birmingham NHS Foundation Trust", "University Hospitals Birmingham", 32)}},
	})
}

// TestRenamedBodiesKeepTheirNames checks the historical policy of
// data/renamed.tsv on every one of its bodies: a body named in full is
// reported under its own name, and so is what it became.
func TestRenamedBodiesKeepTheirNames(t *testing.T) {
	tg := newTagger(t)
	rows := 0
	err := parseLines("renamed.tsv", func(f []string, line int) error {
		rows++
		for _, name := range []string{field(f, 0), field(f, 2)} {
			if name == "-" {
				continue
			}
			text := "Last year " + name + " said so."
			ents, err := tg.Tag(text)
			if err != nil {
				return err
			}
			var got []string
			for _, e := range ents {
				if e.Type == Trust {
					got = append(got, e.Value+" ("+e.Text+")")
				}
			}
			if len(got) != 1 || !strings.HasPrefix(got[0], name+" (") {
				t.Errorf("renamed.tsv:%d: %q gives trusts %q, want %s", line, text, got, name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rows < 90 {
		t.Errorf("renamed.tsv has %d bodies, want at least 90", rows)
	}
}

// TestRenamedRefusesBadRows loads rows that break renamed.tsv's rules on
// top of the gazetteer: each must be refused, naming the problem.
func TestRenamedRefusesBadRows(t *testing.T) {
	for _, tc := range []struct{ row, want string }{
		{"Monitor\tnational\t-", "declared twice"},
		{"NHS Commissioning Board\tnational\t-", "is an alias of NHS England"},
		{"Ashcombe Hospitals NHS Trust\ttrust\tNo Such NHS Trust", "no organisation of the gazetteer"},
		{"Ashcombe Hospitals NHS Trust\ttrust", "want name<TAB>kind<TAB>became"},
	} {
		kn, err := loadKnowledge()
		if err != nil {
			t.Fatal(err)
		}
		err = kn.loadRenamed(strings.NewReader(tc.row + "\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("row %q: error %v, want one saying %q", tc.row, err, tc.want)
		}
	}
	kn, err := loadKnowledge()
	if err != nil {
		t.Fatal(err)
	}
	if err := kn.loadRenamed(strings.NewReader("Ashcombe Hospitals NHS Trust\ttrust\tNHS England\tAshcombe Hospitals\n")); err != nil {
		t.Errorf("a good row: %v", err)
	}
}
