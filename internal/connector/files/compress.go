package files

import (
	"bufio"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/snappy"
)

// compressions maps whole-file compression suffixes onto their names.
var compressions = map[string]string{".gz": "gzip", ".gzip": "gzip", ".bz2": "bzip2", ".snappy": "snappy"}

// compressedHead reads the decompressed head of a compressed text file.
func (o *object) compressedHead(ctx context.Context, compression string) (*sample, error) {
	opts, err := o.readerOptions()
	if err != nil {
		return nil, err
	}
	r, err := o.b.NewReader(ctx, o.key, opts)
	if err != nil {
		return nil, readError(err)
	}
	defer r.Close()
	cr := &countingReader{r: r, o: o}
	var zr io.Reader
	switch compression {
	case "gzip":
		g, err := gzip.NewReader(cr)
		if err != nil {
			return nil, fmt.Errorf("not a valid gzip file: %w", err)
		}
		zr = g
	case "bzip2":
		zr = bzip2.NewReader(cr)
	case "snappy":
		zr = snappyReader(cr)
	default:
		return nil, fmt.Errorf("unsupported compression %s", compression)
	}
	head, err := readAllInto(make([]byte, 0, headBytes+1), zr)
	if err != nil {
		return nil, fmt.Errorf("corrupt %s data: %w", compression, err)
	}
	if len(head) > headBytes {
		return &sample{head: head[:headBytes]}, nil
	}
	return &sample{head: head, complete: true}, nil
}

// snappyFrameMagic starts a file in the snappy framing format.
const snappyFrameMagic = "\xff\x06\x00\x00sNaPpY"

// snappyReader decompresses either the snappy framing format or Hadoop's block format (what
// Hadoop and Spark write as .snappy: blocks of [raw length][compressed length][data]...).
func snappyReader(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if head, _ := br.Peek(len(snappyFrameMagic)); string(head) == snappyFrameMagic {
		return snappy.NewReader(br)
	}
	return &hadoopSnappy{r: br}
}

// hadoopSnappy reads Hadoop's snappy block stream. Each block is a 4-byte big-endian
// uncompressed length, then chunks of a 4-byte big-endian compressed length and raw snappy data
// until the block's bytes are out.
type hadoopSnappy struct {
	r       *bufio.Reader
	left    uint32 // uncompressed bytes of the current block still to come
	pending []byte
}

// maxSnappyChunk bounds one chunk, so a hostile length cannot allocate gigabytes.
const maxSnappyChunk = 64 << 20

func (h *hadoopSnappy) Read(p []byte) (int, error) {
	for len(h.pending) == 0 {
		if h.left == 0 {
			var n [4]byte
			if _, err := io.ReadFull(h.r, n[:]); err != nil {
				if errors.Is(err, io.ErrUnexpectedEOF) {
					return 0, fmt.Errorf("truncated snappy block header")
				}
				return 0, err // io.EOF: the end
			}
			h.left = binary.BigEndian.Uint32(n[:])
			continue
		}
		var n [4]byte
		if _, err := io.ReadFull(h.r, n[:]); err != nil {
			return 0, fmt.Errorf("truncated snappy chunk: %w", err)
		}
		size := binary.BigEndian.Uint32(n[:])
		if size > maxSnappyChunk {
			return 0, fmt.Errorf("snappy chunk of %d bytes is too large", size)
		}
		buf := make([]byte, size)
		if _, err := io.ReadFull(h.r, buf); err != nil {
			return 0, fmt.Errorf("truncated snappy chunk: %w", err)
		}
		if dl, err := snappy.DecodedLen(buf); err != nil || dl > maxSnappyChunk {
			return 0, fmt.Errorf("invalid snappy chunk")
		}
		out, err := snappy.Decode(nil, buf)
		if err != nil {
			return 0, fmt.Errorf("invalid snappy chunk: %w", err)
		}
		if uint32(len(out)) > h.left {
			return 0, fmt.Errorf("snappy chunk longer than its block")
		}
		h.left -= uint32(len(out))
		h.pending = out
	}
	n := copy(p, h.pending)
	h.pending = h.pending[n:]
	return n, nil
}
