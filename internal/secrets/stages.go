package secrets

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/surveyorhq/surveyor/internal/scope"
	"github.com/surveyorhq/surveyor/internal/store"
)

// StagePending is the label of a version a rotation is creating.
const StagePending = "AWSPENDING"

// MoveStage moves the staging label stage: off version removeFrom (when given) and onto version
// moveTo (when given). A label attached to a version other than moveTo must be named by
// removeFrom. Moving AWSCURRENT gives AWSPREVIOUS to the version it left, as AWS does.
func (s *Service) MoveStage(ctx context.Context, sc scope.Scope, secretID, stage, removeFrom, moveTo string) (*Secret, error) {
	return s.changeLive(ctx, sc, secretID, func(tx *store.Tx, sec *Secret) error {
		stages := map[string][]string{}
		for _, v := range sec.Versions {
			stages[v.ID] = slices.Clone(v.Stages)
		}
		if err := moveLabel(stages, stage, removeFrom, moveTo); err != nil {
			return err
		}
		changed := false
		for i, v := range sec.Versions {
			if slices.Equal(v.Stages, stages[v.ID]) {
				continue
			}
			changed = true
			sec.Versions[i].Stages = stages[v.ID]
			if err := setStages(ctx, tx, sec.ID, v.ID, stages[v.ID]); err != nil {
				return err
			}
		}
		if !changed {
			return nil
		}
		now := s.now()
		sec.UpdatedAt = now
		_, err := tx.Exec(ctx, "UPDATE secrets SET updated_at = ? WHERE id = ?", ms(now), sec.ID)
		return err
	})
}

// moveLabel applies UpdateSecretVersionStage to a map of version id → labels.
func moveLabel(stages map[string][]string, stage, removeFrom, moveTo string) error {
	for _, id := range []string{removeFrom, moveTo} {
		if _, ok := stages[id]; id != "" && !ok {
			return fmt.Errorf("%w: Not a valid version: %s", ErrInvalid, id)
		}
	}
	holder := ""
	for id, st := range stages {
		if slices.Contains(st, stage) {
			holder = id
		}
	}
	switch {
	case removeFrom != "" && removeFrom != holder:
		return fmt.Errorf("%w: Version stage %s not found in version %s", ErrInvalid, stage, removeFrom)
	case removeFrom == "" && holder != "" && holder != moveTo:
		return fmt.Errorf("%w: The parameter RemoveFromVersionId can't be empty. Staging label %s is currently attached to version %s, so you must explicitly reference that version in RemoveFromVersionId.", ErrInvalid, stage, holder)
	}
	if removeFrom != "" {
		stages[removeFrom] = slices.DeleteFunc(stages[removeFrom], func(s string) bool { return s == stage })
	}
	if moveTo != "" && !slices.Contains(stages[moveTo], stage) {
		stages[moveTo] = append(stages[moveTo], stage)
	}
	if stage != StageCurrent || removeFrom == "" || removeFrom == moveTo {
		return nil
	}
	for id, st := range stages {
		stages[id] = slices.DeleteFunc(st, func(s string) bool { return s == StagePrevious })
	}
	if !slices.Contains(stages[removeFrom], StageCurrent) {
		stages[removeFrom] = append(stages[removeFrom], StagePrevious)
	}
	return nil
}

func setStages(ctx context.Context, tx *store.Tx, secretID, versionID string, stages []string) error {
	b, _ := json.Marshal(nonNil(stages))
	if _, err := tx.Exec(ctx, "UPDATE secret_versions SET stages = ? WHERE secret_id = ? AND version_id = ?", string(b), secretID, versionID); err != nil {
		return fmt.Errorf("move staging label: %w", err)
	}
	return nil
}
