package schema

// columnBlock is how many columns one block of a ColumnSlab holds.
const columnBlock = 1024

// ColumnSlab builds the column slices of a scan in large shared blocks. Columns arrive grouped
// by table: each is written in place into the block (Next), and when the table's last column is
// in, Cut hands the run over as the table's slice, whose capacity is its length, so appending
// to it never writes into a neighbour. A scan of ten thousand tables then allocates its columns
// in a hundred-odd blocks, instead of growing a slice per table, which copies every column
// several times and leaves up to half of each slice unused.
type ColumnSlab struct {
	block []Column // the current block: in use up to len
	start int      // where the run being collected begins
}

// Next returns a zero column at the end of the run being collected.
func (s *ColumnSlab) Next() *Column {
	if len(s.block) == cap(s.block) {
		run := s.block[s.start:]
		b := make([]Column, len(run), max(columnBlock, 2*len(run)))
		copy(b, run)
		clear(run) // the old block keeps only the runs already cut
		s.block, s.start = b, 0
	}
	s.block = s.block[:len(s.block)+1]
	return &s.block[len(s.block)-1]
}

// Collected is the number of columns in the run being collected.
func (s *ColumnSlab) Collected() int { return len(s.block) - s.start }

// Cut returns the run collected so far and starts a new one.
func (s *ColumnSlab) Cut() []Column {
	run := s.block[s.start:len(s.block):len(s.block)]
	s.start = len(s.block)
	return run
}
