// Package crawler is the Glue crawl engine, as pure functions over what a connector reads: it
// lists the objects of an S3 or local include path through the files connector, drops markers
// and exclusions, infers a schema per leaf folder (sampled, Glue's built-in classifier types or a
// custom CSV/JSON classifier), groups folders into tables and partitions with Glue's rules,
// names tables as Glue does, and describes each table and partition exactly as a Glue crawler
// writes it (parameters, storage descriptor, serde). JDBC targets turn a connector's snapshot
// (one bulk Discover per database) into tables named and typed as Glue names and types them.
// Plan applies a crawler's schema change policy to the previous catalog state and a crawl's
// result, and returns the catalog writes to make; nothing here writes the catalog itself.
package crawler
