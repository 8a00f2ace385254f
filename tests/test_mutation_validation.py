"""Tests written to kill surviving mutants of the mutation run (issue 18, reports/mutation.md)."""
