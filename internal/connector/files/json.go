package files

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// jsonSchema infers the record type of a JSON file: one object per line (NDJSON, or objects one
// after another) or one array of objects. Nested objects become struct columns and arrays list
// columns.
func jsonSchema(s *sample, maxRows int) (*fileSchema, error) {
	head := bytes.TrimPrefix(s.head, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("the file is empty")
	}
	var (
		rec    *jsonType
		n      int
		layout = "ndjson"
	)
	addRecord := func(t *jsonType) error {
		if t.kind != jStruct {
			return fmt.Errorf("record %d is not a JSON object", n+1)
		}
		rec = mergeJSON(rec, t)
		n++
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	if trimmed[0] == '[' {
		layout = "array"
		if _, err := dec.Token(); err != nil {
			return nil, fmt.Errorf("read JSON array: %w", err)
		}
		for dec.More() && n < maxRows {
			t, err := readJSONType(dec, 0)
			if err != nil {
				if !s.complete && n > 0 {
					break // the sample cut the array
				}
				return nil, fmt.Errorf("invalid JSON in element %d (offset %d): %w", n+1, dec.InputOffset(), err)
			}
			if err := addRecord(t); err != nil {
				return nil, err
			}
		}
	} else {
		for n < maxRows {
			t, err := readJSONType(dec, 0)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				if !s.complete && n > 0 {
					break
				}
				return nil, fmt.Errorf("invalid JSON in record %d (offset %d): %w", n+1, dec.InputOffset(), err)
			}
			if err := addRecord(t); err != nil {
				return nil, err
			}
		}
		// Spread samples: whole lines only; a line that is not an object is a cut one.
		budget := maxRows - n
		for _, chunk := range s.chunks {
			for _, line := range bytes.Split(chunk, []byte{'\n'}) {
				if budget <= 0 {
					break
				}
				line = bytes.TrimSpace(line)
				if len(line) == 0 || line[0] != '{' {
					continue
				}
				d := json.NewDecoder(bytes.NewReader(line))
				d.UseNumber()
				if t, err := readJSONType(d, 0); err == nil && t.kind == jStruct {
					rec = mergeJSON(rec, t)
					budget--
				}
			}
		}
	}
	if rec == nil {
		return nil, fmt.Errorf("no JSON record found")
	}
	return &fileSchema{format: "json", options: map[string]string{"format": "json", "layout": layout}, json: rec, records: int64(n)}, nil
}
