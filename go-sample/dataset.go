package main

import (
	"encoding/hex"
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"time"
)

// bytesPerRecord is the mean size of one marshalled DmsFile in the JSON
// body (including the separating comma), measured over large generated
// datasets. It turns a target body size into a record count.
const bytesPerRecord = 587.4

// dmsFileRow is a row as a database driver would hand it over: binary ids
// and checksums, tags and custom fields still packed in text columns. Free
// text is allocated per row; low-cardinality columns share interned strings.
type dmsFileRow struct {
	ID           int64
	UUID         [16]byte
	FileName     string
	FolderPath   string
	MimeType     string
	SizeBytes    int64
	SHA256       [32]byte
	CreatedAt    time.Time
	UpdatedAt    time.Time
	OwnerID      int64
	CreatedBy    int64
	UpdatedBy    int64
	TagsCSV      string
	Department   string
	Source       string
	Retention    string
	PageCount    int32
	VersionCount int32
	CustomKV     string     // "key=value;key=value", empty for most documents
	DeletedAt    *time.Time // nullable soft-delete column, nil for live documents
}

// DmsFile is the API representation of a stored document.
type DmsFile struct {
	ID         int64             `json:"id"`
	UUID       string            `json:"uuid"`
	Name       string            `json:"name"`
	Path       string            `json:"path"`
	MimeType   string            `json:"mimeType"`
	Size       int64             `json:"size"`
	SHA256     string            `json:"sha256"`
	CreatedAt  time.Time         `json:"createdAt"`
	UpdatedAt  time.Time         `json:"updatedAt"`
	OwnerID    int64             `json:"ownerId"`
	CreatedBy  int64             `json:"createdBy"`
	UpdatedBy  int64             `json:"updatedBy"`
	Version    int32             `json:"version"`
	Department string            `json:"department"`
	Source     string            `json:"source"`
	Retention  string            `json:"retention"`
	Pages      int32             `json:"pages"`
	Tags       []string          `json:"tags"`
	Custom     map[string]string `json:"customFields,omitempty"`
}

// BulkResponse is the body of GET /bulk and GET /bulk/stream.
type BulkResponse struct {
	Files []DmsFile `json:"files"`
	Count int       `json:"count"`
}

type fileKind struct {
	ext, mime string
}

var (
	fileKinds = []fileKind{
		{"pdf", "application/pdf"},
		{"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{"png", "image/png"},
		{"jpg", "image/jpeg"},
		{"txt", "text/plain"},
		{"msg", "application/vnd.ms-outlook"},
		{"zip", "application/zip"},
	}
	docWords   = []string{"invoice", "contract", "delivery-note", "offer", "protocol", "report", "scan", "drawing", "certificate", "timesheet", "payslip", "order-confirmation"}
	tenants    = []string{"acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka"}
	categories = []string{"finance", "legal", "hr", "engineering", "sales", "procurement", "quality", "archive"}
	tagWords   = []string{"approved", "draft", "signed", "archived", "confidential", "external", "internal", "urgent", "reviewed", "scanned", "ocr", "imported", "q1", "q2", "q3", "q4"}
	sources    = []string{"scanner-01", "scanner-02", "email-import", "web-upload", "mobile-app", "erp-sync"}
	retention  = []string{"1y", "3y", "7y", "10y", "permanent"}
	datasetT0  = time.Date(2019, time.January, 1, 0, 0, 0, 0, time.UTC)
)

// recordsFor converts a target body size in MiB to a record count. MiB, like gctrace and the kubelet:
// 66 MiB is the reading of the seed's "66 MB" that reproduces its traces.
func recordsFor(mib float64) int {
	n := int(mib*(1<<20)/bytesPerRecord + 0.5)
	if n < 1 {
		n = 1
	}
	return n
}

// loadRows stands in for the database query: n rows, fully determined by seed.
func loadRows(seed int64, n int) []dmsFileRow {
	rng := rand.New(rand.NewSource(seed))
	rows := make([]dmsFileRow, n)
	for i := range rows {
		r := &rows[i]
		kind := fileKinds[rng.Intn(len(fileKinds))]
		tenant := tenants[rng.Intn(len(tenants))]
		category := categories[rng.Intn(len(categories))]
		created := datasetT0.Add(time.Duration(rng.Int63n(int64(5 * 365 * 24 * time.Hour))))
		created = created.Truncate(time.Millisecond)

		r.ID = int64(100000 + i)
		rng.Read(r.UUID[:])
		r.UUID[6] = r.UUID[6]&0x0f | 0x40 // version 4
		r.UUID[8] = r.UUID[8]&0x3f | 0x80 // RFC 4122 variant
		r.FileName = fmt.Sprintf("%s-%s-%06d-v%d.%s",
			docWords[rng.Intn(len(docWords))], created.Format("2006-01-02"), rng.Intn(1000000), 1+rng.Intn(9), kind.ext)
		r.FolderPath = fmt.Sprintf("/tenants/%s/projects/prj-%04d/%s/%d",
			tenant, rng.Intn(10000), category, created.Year())
		r.MimeType = kind.mime
		r.SizeBytes = 1024 + rng.Int63n(25<<20)
		rng.Read(r.SHA256[:])
		r.CreatedAt = created
		r.UpdatedAt = created.Add(time.Duration(rng.Int63n(int64(90 * 24 * time.Hour)))).Truncate(time.Millisecond)
		r.OwnerID = int64(1 + rng.Intn(5000))
		r.CreatedBy = r.OwnerID
		r.UpdatedBy = int64(1 + rng.Intn(5000))
		r.VersionCount = int32(1 + rng.Intn(9))

		tags := make([]string, 1+rng.Intn(4))
		for t := range tags {
			tags[t] = tagWords[rng.Intn(len(tagWords))]
		}
		r.TagsCSV = strings.Join(tags, ",")
		r.Department = category
		r.Source = sources[rng.Intn(len(sources))]
		r.Retention = retention[rng.Intn(len(retention))]
		r.PageCount = int32(1 + rng.Intn(300))
		// About a quarter of the documents carry customer-defined fields.
		if rng.Intn(4) == 0 {
			r.CustomKV = "costCenter=CC-" + strconv.Itoa(1000+rng.Intn(9000)) +
				";project=" + tenant + "-" + strconv.Itoa(rng.Intn(100))
		}
	}
	return rows
}

// mapRows builds the API DTOs from the rows, the way a repository/service
// layer would: ids and checksums are formatted, paths joined, text columns split.
func mapRows(rows []dmsFileRow) []DmsFile {
	files := make([]DmsFile, len(rows))
	for i := range rows {
		r := &rows[i]
		files[i] = DmsFile{
			ID:         r.ID,
			UUID:       formatUUID(r.UUID),
			Name:       r.FileName,
			Path:       r.FolderPath + "/" + r.FileName,
			MimeType:   r.MimeType,
			Size:       r.SizeBytes,
			SHA256:     hex.EncodeToString(r.SHA256[:]),
			CreatedAt:  r.CreatedAt,
			UpdatedAt:  r.UpdatedAt,
			OwnerID:    r.OwnerID,
			CreatedBy:  r.CreatedBy,
			UpdatedBy:  r.UpdatedBy,
			Version:    r.VersionCount,
			Department: r.Department,
			Source:     r.Source,
			Retention:  r.Retention,
			Pages:      r.PageCount,
			Tags:       strings.Split(r.TagsCSV, ","),
			Custom:     parseKV(r.CustomKV),
		}
	}
	return files
}

func formatUUID(u [16]byte) string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

func parseKV(s string) map[string]string {
	if s == "" {
		return nil
	}
	m := make(map[string]string, 2)
	for _, pair := range strings.Split(s, ";") {
		if k, v, ok := strings.Cut(pair, "="); ok {
			m[k] = v
		}
	}
	return m
}
