"""The dataset stage's library: merge video pairs with the Quilt release and other sources, dedup,
split, and write WebDataset shards, a CSV and a card (build.py drives it)."""
