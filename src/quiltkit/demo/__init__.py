"""The demo corpus: synthetic histopathology lecture videos with exact ground truth."""
