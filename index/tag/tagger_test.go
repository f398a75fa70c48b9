package tag

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// mention is an entity without offsets, for readable expectations.
type mention struct {
	Type  Kind
	Value string
	Text  string
}

func mentions(t *testing.T, tg *Tagger, text string, kinds ...Kind) []mention {
	t.Helper()
	ents, err := tg.Tag(text)
	if err != nil {
		t.Fatalf("Tag(%q): %v", text, err)
	}
	var out []mention
	for _, e := range ents {
		for _, k := range kinds {
			if e.Type == k {
				out = append(out, mention{e.Type, e.Value, e.Text})
			}
		}
	}
	return out
}

func TestCanonicalAndAliases(t *testing.T) {
	tg := newTagger(t)
	tests := []struct {
		name  string
		text  string
		kinds []Kind
		want  []mention
	}{
		{"PCT expanded, suffix rule", "Last month, North Yorkshire and York PCT asked staff to leave.", []Kind{Trust},
			[]mention{{Trust, "North Yorkshire and York Primary Care Trust", "North Yorkshire and York PCT"}}},
		{"leading The dropped, short form", "Unison called on The Rotherham NHS Foundation Trust to rethink. The Rotherham has spent £40m.", []Kind{Trust},
			[]mention{{Trust, "Rotherham NHS Foundation Trust", "Rotherham NHS Foundation Trust"}, {Trust, "Rotherham NHS Foundation Trust", "Rotherham"}}},
		{"Foundation Trust without NHS matches the gazetteer", "Rotherham Foundation Trust said it would cut posts.", []Kind{Trust},
			[]mention{{Trust, "Rotherham NHS Foundation Trust", "Rotherham Foundation Trust"}}},
		{"SHA other name and generic mention", "37 posts will go at the North-East Strategic Health Authority – NHS North-East. The Strategic Health Authority said so.", []Kind{Trust},
			[]mention{{Trust, "North East Strategic Health Authority", "North-East Strategic Health Authority"},
				{Trust, "North East Strategic Health Authority", "NHS North-East"},
				{Trust, "North East Strategic Health Authority", "Strategic Health Authority"}}},
		{"acronym defined in brackets", "Oxford Radcliffe Hospitals NHS Trust (ORH) is cutting jobs. ORH said 366 posts would go.", []Kind{Trust},
			[]mention{{Trust, "Oxford Radcliffe Hospitals NHS Trust", "Oxford Radcliffe Hospitals NHS Trust"},
				{Trust, "Oxford Radcliffe Hospitals NHS Trust", "ORH"}, {Trust, "Oxford Radcliffe Hospitals NHS Trust", "ORH"}}},
		{"unknown trust by suffix, acronym from initials", "Queen Victoria Hospital NHS Foundation Trust will cut 40 jobs. QVH said it had no choice.", []Kind{Trust},
			[]mention{{Trust, "Queen Victoria Hospital NHS Foundation Trust", "Queen Victoria Hospital NHS Foundation Trust"},
				{Trust, "Queen Victoria Hospital NHS Foundation Trust", "QVH"}}},
		{"ICB gets NHS prefix and later brand name", "Cheshire and Merseyside ICB is cutting staff. NHS Cheshire and Merseyside said it had no choice.", []Kind{Trust},
			[]mention{{Trust, "NHS Cheshire and Merseyside Integrated Care Board", "Cheshire and Merseyside ICB"},
				{Trust, "NHS Cheshire and Merseyside Integrated Care Board", "NHS Cheshire and Merseyside"}}},
		{"Scottish health board", "NHS Lothian will cut 1,200 posts, NHS Lothian said.", []Kind{Trust},
			[]mention{{Trust, "NHS Lothian", "NHS Lothian"}, {Trust, "NHS Lothian", "NHS Lothian"}}},
		{"unions in any case and misspelt", "UNISON, Unsion and the RCN met Unite and the GMB.", []Kind{Union},
			[]mention{{Union, "Unison", "UNISON"}, {Union, "Unison", "Unsion"}, {Union, "Royal College of Nursing", "RCN"},
				{Union, "Unite", "Unite"}, {Union, "GMB", "GMB"}}},
		{"not unions", "Staff acted in unison; United Lincolnshire Hospitals is not a union, and nor are Units.", []Kind{Union}, nil},
		{"person, title and surname resolve", "Mark Ladbrooke, of Unison, spoke. Mr Ladbrooke said: “No.” Later Ladbrooke added more.", []Kind{Person},
			[]mention{{Person, "Mark Ladbrooke", "Mark Ladbrooke"}, {Person, "Mark Ladbrooke", "Ladbrooke"}, {Person, "Mark Ladbrooke", "Ladbrooke"}}},
		{"title is not part of the name", "Chief executive Dr Sarah Smith said: “We must save.”", []Kind{Person},
			[]mention{{Person, "Sarah Smith", "Sarah Smith"}}},
		{"bare title and surname without a full name is not a person", "Dr Foster, the data company, rated the trust.", []Kind{Person}, nil},
		{"unknown given name in a person context (prose POS)", "Zebulon Okafor, a nurse at the hospital, said the cuts were wrong.", []Kind{Person},
			[]mention{{Person, "Zebulon Okafor", "Zebulon Okafor"}}},
		{"first name before a found name: Welsh middle names", "Chief executive Dyfrig Wyn Thomas said the board would cut posts.", []Kind{Person},
			[]mention{{Person, "Dyfrig Wyn Thomas", "Dyfrig Wyn Thomas"}}},
		{"first name before a known given name", "Its organiser, Ceri Lloyd Hughes, said no. Mr Hughes added more.", []Kind{Person},
			[]mention{{Person, "Ceri Lloyd Hughes", "Ceri Lloyd Hughes"}, {Person, "Ceri Lloyd Hughes", "Hughes"}}},
		{"first name not in the list, role after the comma", "Eilidh Cruickshank, Unison's Tayside health branch secretary, said so.", []Kind{Person},
			[]mention{{Person, "Eilidh Cruickshank", "Eilidh Cruickshank"}}},
		{"a role word before a name is not a first name", "Health Minister Mark Drakeford said no.", []Kind{Person},
			[]mention{{Person, "Mark Drakeford", "Mark Drakeford"}}},
		{"governments and fields of study are not people", "In Cardiff, the Welsh Government said no. Ann Hale, a fellow of the Institute of Biomedical Science, said so.", []Kind{Person},
			[]mention{{Person, "Ann Hale", "Ann Hale"}}},
		{"Welsh board keeps the name of its years", "Aneurin Bevan Health Board will cut posts. Aneurin Bevan University Health Board said so.", []Kind{Trust},
			[]mention{{Trust, "Aneurin Bevan Health Board", "Aneurin Bevan Health Board"},
				{Trust, "Aneurin Bevan University Health Board", "Aneurin Bevan University Health Board"}}},
		{"headless suffix name is no trust", "Staff at the county's Mental Health NHS Foundation Trust and the Hospital NHS Trust were told.", []Kind{Trust}, nil},
		{"headless suffix name resolves to an earlier trust", "Norfolk and Waveney Mental Health NHS Foundation Trust will cut posts. The Mental Health NHS Foundation Trust said so.", []Kind{Trust},
			[]mention{{Trust, "Norfolk and Waveney Mental Health NHS Foundation Trust", "Norfolk and Waveney Mental Health NHS Foundation Trust"},
				{Trust, "Norfolk and Waveney Mental Health NHS Foundation Trust", "Mental Health NHS Foundation Trust"}}},
		{"a specialty is a name", "Royal Orthopaedic Hospital NHS Foundation Trust will cut posts.", []Kind{Trust},
			[]mention{{Trust, "Royal Orthopaedic Hospital NHS Foundation Trust", "Royal Orthopaedic Hospital NHS Foundation Trust"}}},
		{"PCT brand name NHS <place>", "NHS Western Cheshire said posts would go.", []Kind{Trust},
			[]mention{{Trust, "Western Cheshire Primary Care Trust", "NHS Western Cheshire"}}},
		{"places that name a trust are places when they stand alone", "Norfolk and Suffolk NHS Foundation Trust will cut posts. Staff in Norfolk and Suffolk were told.", []Kind{Trust, Place},
			[]mention{{Trust, "Norfolk and Suffolk NHS Foundation Trust", "Norfolk and Suffolk NHS Foundation Trust"},
				{Place, "Norfolk", "Norfolk"}, {Place, "Suffolk", "Suffolk"}}},
		{"two hospitals joined by 'and' stay two", "The trust runs Queen's Medical Centre and Nottingham City Hospital.", []Kind{Hospital},
			[]mention{{Hospital, "Queen's Medical Centre", "Queen's Medical Centre"}, {Hospital, "Nottingham City Hospital", "Nottingham City Hospital"}}},
		{"a GP-style medical centre is not a hospital", "Staff at Hillside Medical Centre were told.", []Kind{Hospital}, nil},
		{"possessive that is not a place is part of the name", "Cuts at King's Mill Hospital in Mansfield.", []Kind{Hospital, Place},
			[]mention{{Hospital, "King's Mill Hospital", "King's Mill Hospital"}, {Place, "Mansfield", "Mansfield"}}},
		{"possessive place and a common noun is no named hospital", "Campaigners fear Rugby's hospital will close.", []Kind{Hospital, Place},
			[]mention{{Place, "Rugby", "Rugby"}}},
		{"descriptor, head, place", "The trust runs University Hospital Coventry and the Hospital of St Cross.", []Kind{Hospital, Place},
			[]mention{{Hospital, "University Hospital Coventry", "University Hospital Coventry"}, {Hospital, "Hospital of St Cross", "Hospital of St Cross"}}},
		{"a two-word town before 'and' ends a list", "It runs the Royal Glamorgan Hospital near Merthyr Tydfil and Prince Charles Hospital.", []Kind{Hospital, Place},
			[]mention{{Hospital, "Royal Glamorgan Hospital", "Royal Glamorgan Hospital"}, {Place, "Merthyr Tydfil", "Merthyr Tydfil"},
				{Hospital, "Prince Charles Hospital", "Prince Charles Hospital"}}},
		{"Welsh hospital named after a person, not the board", "Ysbyty Aneurin Bevan opened. Aneurin Bevan Health Board said so.", []Kind{Hospital, Trust},
			[]mention{{Hospital, "Ysbyty Aneurin Bevan", "Ysbyty Aneurin Bevan"}, {Trust, "Aneurin Bevan Health Board", "Aneurin Bevan Health Board"}}},
		{"suburbs and districts", "Members in Manningham, Eccleshill and Wibsey, and at Colney, were told.", []Kind{Place},
			[]mention{{Place, "Manningham", "Manningham"}, {Place, "Eccleshill", "Eccleshill"}, {Place, "Wibsey", "Wibsey"}, {Place, "Colney", "Colney"}}},
		{"place inside a name is not a place", "Staff at Dewsbury and District Hospital in Wakefield were told.", []Kind{Place, Hospital},
			[]mention{{Hospital, "Dewsbury and District Hospital", "Dewsbury and District Hospital"}, {Place, "Wakefield", "Wakefield"}}},
		{"possessive place before a hospital", "JOB losses at Taunton's Musgrove Park Hospital.", []Kind{Place, Hospital},
			[]mention{{Place, "Taunton", "Taunton"}, {Hospital, "Musgrove Park Hospital", "Musgrove Park Hospital"}}},
		{"compound region splits, ambiguous town needs a preposition", "Unison head of health for Yorkshire and Humberside met staff in Reading. Reading the report, she sighed.", []Kind{Place},
			[]mention{{Place, "Yorkshire", "Yorkshire"}, {Place, "Humberside", "Humberside"}, {Place, "Reading", "Reading"}}},
		{"hospital forms", "Guy's Hospital, St Thomas' Hospital, the Royal Infirmary of Edinburgh and Ysbyty Gwynedd.", []Kind{Hospital},
			[]mention{{Hospital, "Guy's Hospital", "Guy's Hospital"}, {Hospital, "St Thomas' Hospital", "St Thomas' Hospital"},
				{Hospital, "Royal Infirmary of Edinburgh", "Royal Infirmary of Edinburgh"}, {Hospital, "Ysbyty Gwynedd", "Ysbyty Gwynedd"}}},
		{"hospital short form keeps leading descriptors", "Jobs go at the Royal London Hospital. Staff at the Royal London were told.", []Kind{Hospital},
			[]mention{{Hospital, "Royal London Hospital", "Royal London Hospital"}, {Hospital, "Royal London Hospital", "Royal London"}}},
		{"headline capitals are title-cased in values", "ADDENBROOKE’S Hospital is to cut jobs.", []Kind{Hospital},
			[]mention{{Hospital, "Addenbrooke's Hospital", "ADDENBROOKE’S Hospital"}}},
		{"gazetteer name that continues is left to the suffix rule; partial name resolves",
			"NHS Leeds North CCG and NHS Leeds West CCG will merge. The chair of the West CCG said so.", []Kind{Trust},
			[]mention{{Trust, "NHS Leeds North Clinical Commissioning Group", "NHS Leeds North CCG"},
				{Trust, "NHS Leeds West Clinical Commissioning Group", "NHS Leeds West CCG"},
				{Trust, "NHS Leeds West Clinical Commissioning Group", "West CCG"}}},
		{"possessive place does not name a CCG", "NHS Kernow, Cornwall’s clinical commissioning group, said no.", []Kind{Trust},
			[]mention{{Trust, "NHS Kernow Clinical Commissioning Group", "NHS Kernow"}}},
		{"two hospitals joined by 'and' after 'in' stay two", "West Cornwall Hospital in Penzance and St Michael’s Hospital in Hayle.", []Kind{Hospital, Place},
			[]mention{{Hospital, "West Cornwall Hospital", "West Cornwall Hospital"}, {Place, "Penzance", "Penzance"},
				{Hospital, "St Michael's Hospital", "St Michael’s Hospital"}, {Place, "Hayle", "Hayle"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := mentions(t, tg, tc.text, tc.kinds...)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%q\n got %v\nwant %v", tc.text, got, tc.want)
			}
		})
	}
}

// checkEntities asserts the invariants of Tag's output on text.
func checkEntities(t *testing.T, name, text string, ents []Entity) {
	t.Helper()
	prevEnd := 0
	for i, e := range ents {
		if e.Start < 0 || e.End > len(text) || e.Start >= e.End {
			t.Fatalf("%s: entity %d %+v: bad offsets", name, i, e)
		}
		if text[e.Start:e.End] != e.Text {
			t.Errorf("%s: entity %d: text[%d:%d] = %q, Text = %q", name, i, e.Start, e.End, text[e.Start:e.End], e.Text)
		}
		if !utf8.ValidString(e.Text) {
			t.Errorf("%s: entity %d: Text %q cuts a rune", name, i, e.Text)
		}
		if e.Start < prevEnd {
			t.Errorf("%s: entity %d %+v overlaps or is out of order (previous end %d)", name, i, e, prevEnd)
		}
		prevEnd = e.End
		if e.Value == "" {
			t.Errorf("%s: entity %d has no value", name, i)
		}
	}
}

func TestOffsetsMultiByte(t *testing.T) {
	tg := newTagger(t)
	text := "“Unison’s” members – at Guy’s Hospital – face £6.5m cuts; Brian James’ trust, " +
		"The Rotherham NHS Foundation Trust, will cut 750 jobs in Rotherham… Mr James said: ‘£20 billion’.\n"
	ents, err := tg.Tag(text)
	if err != nil {
		t.Fatal(err)
	}
	checkEntities(t, "multibyte", text, ents)
	want := map[string]bool{"Unison": false, "Guy’s Hospital": false, "£6.5m": false, "Brian James": false,
		"Rotherham NHS Foundation Trust": false, "750": false, "Rotherham": false, "James": false, "£20 billion": false}
	for _, e := range ents {
		if _, ok := want[e.Text]; ok {
			want[e.Text] = true
		}
	}
	for w, found := range want {
		if !found {
			t.Errorf("no entity with text %q in %v", w, ents)
		}
	}
}

func TestOffsetsOnArticles(t *testing.T) {
	tg := newTagger(t)
	files, _ := filepath.Glob("../../seeds/*.txt")
	dev, _ := filepath.Glob("testdata/dev/*.txt")
	files = append(files, dev...)
	if len(files) < 15 {
		t.Fatalf("want seeds and dev articles, found %d files", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ents, err := tg.Tag(string(b))
		if err != nil {
			t.Fatal(err)
		}
		if len(ents) == 0 {
			t.Errorf("%s: no entities", f)
		}
		checkEntities(t, f, string(b), ents)
	}
}

func TestBadInput(t *testing.T) {
	tg := newTagger(t)
	ents, err := tg.Tag("")
	if err != nil || len(ents) != 0 {
		t.Errorf("Tag(\"\") = %v, %v; want no entities, no error", ents, err)
	}
	for _, bad := range []string{"\xff\xfe", "£55m cuts at \xc3 Unison", "ok text \xed\xa0\x80"} {
		if _, err := tg.Tag(bad); !errors.Is(err, ErrInvalidUTF8) {
			t.Errorf("Tag(%q) error = %v, want ErrInvalidUTF8", bad, err)
		}
	}
	// Odd but valid input must not panic.
	for _, odd := range []string{"£", "£££", "(", "()", "'s", "-", "NHS", "Trust", "Hospital", "Mr", "Mr.",
		"1,2,3", "9999999999999999999999 jobs cut", "£99999999999999999999bn", "\u00a0\u2028\t\r\n", "the the the"} {
		ents, err := tg.Tag(odd)
		if err != nil {
			t.Errorf("Tag(%q): %v", odd, err)
		}
		checkEntities(t, fmt.Sprintf("%q", odd), odd, ents)
	}
}

// TestHugeArticle tags a 10 MB article made of the seeds: it must finish
// (linear time) and keep the entity invariants.
func TestHugeArticle(t *testing.T) {
	tg := newTagger(t)
	text := sizedText(t, 10<<20)
	ents, err := tg.Tag(text)
	if err != nil {
		t.Fatal(err)
	}
	checkEntities(t, "10MB", text, ents)
	// every copy of the seeds yields entities: expect well over one per KB.
	if len(ents) < len(text)/1024 {
		t.Errorf("only %d entities in %d bytes", len(ents), len(text))
	}
	// one huge unbroken token and one huge sentence must not blow up either
	long := strings.Repeat("a", 1<<20) + " " + strings.Repeat("Cut ", 1<<18)
	if _, err := tg.Tag(long); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrent tags articles from many goroutines at once (run with
// -race) and checks every result equals the sequential one.
func TestConcurrent(t *testing.T) {
	tg := newTagger(t)
	texts := seedTexts(t)
	texts = append(texts, "Zebulon Okafor, a nurse at the hospital, said 300 jobs would go.")
	want := make([][]Entity, len(texts))
	for i, text := range texts {
		var err error
		if want[i], err = tg.Tag(text); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16*len(texts))
	for g := range 16 {
		wg.Go(func() {
			tg2, err := New() // New is cheap and shares the model
			if err != nil {
				errs <- err
				return
			}
			for i := range texts {
				j := (i + g) % len(texts)
				got, err := tg2.Tag(texts[j])
				if err != nil {
					errs <- err
					return
				}
				if !reflect.DeepEqual(got, want[j]) {
					errs <- fmt.Errorf("goroutine %d, text %d: result differs from sequential run", g, j)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestDataFilesHaveHeaders(t *testing.T) {
	entries, err := dataFS.ReadDir("data")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 6 {
		t.Fatalf("want at least 6 data files, have %d", len(entries))
	}
	for _, e := range entries {
		b, _ := dataFS.ReadFile("data/" + e.Name())
		if !strings.HasPrefix(string(b), "# ") {
			t.Errorf("data/%s: no '# ' header comment explaining its format", e.Name())
		}
		var header strings.Builder
		for _, l := range strings.Split(string(b), "\n") {
			if !strings.HasPrefix(l, "#") {
				break
			}
			header.WriteString(l)
		}
		if !strings.Contains(header.String(), "Source") {
			t.Errorf("data/%s: its header names no source", e.Name())
		}
	}
	kn, err := loadKnowledge()
	if err != nil {
		t.Fatal(err)
	}
	if len(kn.orgs) < 300 || len(kn.places) < 1000 || len(kn.given) < 500 || len(kn.unions) < 30 || len(kn.hosps) < 300 {
		t.Errorf("data smaller than expected: %d orgs, %d places, %d given names, %d union aliases, %d hospitals",
			len(kn.orgs), len(kn.places), len(kn.given), len(kn.unions), len(kn.hosps))
	}
}
