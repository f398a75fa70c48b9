package index

import (
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/cutwatch/cutwatch/index/schema"
)

// Names of the fields of an indexed article besides its entities. Each
// entity kind of the schema has a field named after it (schema.Kind.Name)
// and, when numeric, one for the keys of its buckets (RangeField).
const (
	FieldTitle     = "title"
	FieldText      = "text"
	FieldURL       = "url"
	FieldPublished = "published"
	// FieldSketch holds the article's minhash.Sketch (hex) that
	// near-duplicates are found by: a keyword with doc values, read into
	// the bitmaps at open, and stored, for searches without the bitmaps.
	// An index created before it existed lacks it (see readSet).
	FieldSketch = "sketch"
	// FieldEntities holds the article's entities with offsets as a JSON
	// array. It is stored for the article view, not indexed.
	FieldEntities = "entities"
	// FieldHeadline holds the article's headline cut (tag.ArticleHeadline)
	// as JSON, "null" when it names no trust, so that a search hit need
	// not link its cut events again. Stored, not indexed. An index made
	// before it existed keeps its own mapping and has no such field: a
	// search then makes the headline from the stored text and entities.
	FieldHeadline = "headline"
	// FieldJobsAtRisk and FieldSavings hold the jobs cut or at risk and
	// the savings target the article's cut events link to trusts, summed
	// (tag.TrustCuts): what it counts for in histograms and facet sums.
	// Numeric with doc values, read into the bitmaps; written for every
	// article, 0 when it links none, so that the absence of
	// FieldJobsAtRisk marks an article indexed before cut events were
	// kept, which counts for its largest job count instead (see readSet).
	FieldJobsAtRisk = "jobs_at_risk"
	FieldSavings    = "savings_gbp"
	// FieldTrustCuts holds the same per trust, one keyword per trust
	// (TrustCutTerm), read into the bitmaps for sums at one trust.
	FieldTrustCuts = "trust_cuts"
	// FieldEvents holds the article's cut events (tag.Events) as JSON, for
	// exports. Stored, not indexed.
	FieldEvents = "cut_events"
)

// mappingVersion changes whenever NewMapping or the document layout changes
// in a way that needs a rebuild; Open refuses an index of another version.
const mappingVersion = "cutwatch-mapping-1"

// NewMapping returns the bleve mapping of cutwatch articles with the entity
// kinds of s.
//
// title and text use the English analyzer (lower case, stop words, possessive
// removal, Porter stemming), and so does the composite _all field that a
// query without a field prefix searches: the index mapping's DefaultAnalyzer
// is the one bleve uses to analyse such queries, so it must be "en" too or a
// stemmed index never matches an unstemmed query term ("redundancy" would not
// find "redundancies"). Name kinds are exact keywords with doc values for
// facets and are kept out of _all; numeric kinds are numeric fields for
// ranges and sorting, with a keyword field of their bucket keys.
func NewMapping(s *schema.Schema) mapping.IndexMapping {
	text := func() *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = en.AnalyzerName
		f.Store = true
		f.IncludeTermVectors = true // phrases and highlighting
		f.IncludeInAll = true
		f.DocValues = false
		return f
	}
	keywordField := func(store bool) *mapping.FieldMapping {
		f := mapping.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = store
		f.DocValues = true
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		// A filter term then scores the same in every article, so filters
		// do not reorder results by how many entities an article has.
		f.SkipFreqNorm = true
		return f
	}
	numeric := func() *mapping.FieldMapping {
		f := mapping.NewNumericFieldMapping()
		f.Store = true
		f.DocValues = true
		f.IncludeInAll = false
		return f
	}

	// storedOnly is a field kept for reading back, not searched.
	storedOnly := func() *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Index = false
		f.Store = true
		f.IncludeInAll = false
		f.DocValues = false
		f.IncludeTermVectors = false
		return f
	}

	doc := mapping.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt(FieldTitle, text())
	doc.AddFieldMappingsAt(FieldText, text())

	url := mapping.NewKeywordFieldMapping()
	url.Store = true
	url.IncludeInAll = false
	url.DocValues = false
	doc.AddFieldMappingsAt(FieldURL, url)

	published := mapping.NewDateTimeFieldMapping()
	published.Store = true
	published.DocValues = true
	published.IncludeInAll = false
	doc.AddFieldMappingsAt(FieldPublished, published)

	for _, k := range s.Kinds() {
		if k.Numeric {
			doc.AddFieldMappingsAt(k.Name(), numeric())
			doc.AddFieldMappingsAt(k.RangeField(), keywordField(false))
		} else {
			doc.AddFieldMappingsAt(k.Name(), keywordField(true))
		}
	}

	doc.AddFieldMappingsAt(FieldSketch, keywordField(true))
	doc.AddFieldMappingsAt(FieldJobsAtRisk, numeric())
	doc.AddFieldMappingsAt(FieldSavings, numeric())
	doc.AddFieldMappingsAt(FieldTrustCuts, keywordField(true))

	doc.AddFieldMappingsAt(FieldEntities, storedOnly())

	doc.AddFieldMappingsAt(FieldHeadline, storedOnly())
	doc.AddFieldMappingsAt(FieldEvents, storedOnly())

	im := mapping.NewIndexMapping()
	im.DefaultMapping = doc
	im.DefaultAnalyzer = en.AnalyzerName
	im.IndexDynamic = false
	im.StoreDynamic = false
	im.DocValuesDynamic = false
	return im
}
