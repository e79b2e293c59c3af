package gluecatalog

import "fmt"

// NotFoundError is a missing database, table, version, partition, index, connection,
// classifier or resource (Glue's EntityNotFoundException).
type NotFoundError struct {
	Kind string // "Database", "Table", "Partition"...
	Name string
}

func (e *NotFoundError) Error() string {
	if e.Name == "" {
		return e.Kind + " not found."
	}
	return fmt.Sprintf("%s %s not found.", e.Kind, e.Name)
}

// AlreadyExistsError is a create of an existing name (Glue's AlreadyExistsException).
type AlreadyExistsError struct {
	Kind string
	Name string
}

func (e *AlreadyExistsError) Error() string {
	if e.Name == "" {
		return e.Kind + " already exists."
	}
	return fmt.Sprintf("%s %s already exists.", e.Kind, e.Name)
}

// InvalidInputError is input the catalog refuses (Glue's InvalidInputException).
type InvalidInputError struct{ Message string }

func (e *InvalidInputError) Error() string { return e.Message }

func invalid(format string, args ...any) error {
	return &InvalidInputError{Message: fmt.Sprintf(format, args...)}
}

// ConcurrentModificationError is an update based on a stale version (Glue's
// ConcurrentModificationException).
type ConcurrentModificationError struct{ Message string }

func (e *ConcurrentModificationError) Error() string { return e.Message }

// LimitExceededError is a quota reached (Glue's ResourceNumberLimitExceededException).
type LimitExceededError struct{ Message string }

func (e *LimitExceededError) Error() string { return e.Message }
