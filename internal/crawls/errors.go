package crawls

import "fmt"

// StateError is an operation the crawler's state (or its schedule's) does not allow. Code is
// the Glue exception: CrawlerRunningException, CrawlerNotRunningException,
// CrawlerStoppingException, SchedulerRunningException, SchedulerNotRunningException,
// NoScheduleException.
type StateError struct {
	Code    string
	Message string
}

func (e *StateError) Error() string { return e.Message }

func running(name string) error {
	return &StateError{Code: "CrawlerRunningException", Message: fmt.Sprintf("Crawler with name %s has already started", name)}
}

// VersionMismatchError is an update that raced another (Glue's VersionMismatchException).
type VersionMismatchError struct{ Name string }

func (e *VersionMismatchError) Error() string {
	return fmt.Sprintf("Crawler %s was updated by another request; retry.", e.Name)
}
