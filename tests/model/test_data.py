import pytest
import synthetic
import torch

from quiltkit.model.augment import HEAugment
from quiltkit.model.data import CsvSource, DataError, PairBatches, ResumableLoader, ShardSource, source_for
from quiltkit.model.factory import create_model, normalization


@pytest.fixture(scope="module")
def tok():
    model, _, _, tokenizer = create_model("quiltkit-micro", seed=0)
    return tokenizer, normalization(model)


def _batches(spec, tok, **kw):
    tokenizer, (mean, std) = tok
    ds = PairBatches(source_for(spec), HEAugment(32, mean, std), tokenizer, 8, seed=5, **kw)
    return ds


def test_order_is_seeded_and_changes_per_epoch(tiny_data, tok):
    a, b = _batches(tiny_data["train"], tok), _batches(tiny_data["train"], tok)
    first = [t for _, t in a]
    assert len(first) == len(a) == 48 // 8
    assert all(torch.equal(x, y) for x, y in zip(first, [t for _, t in b]))
    b.epoch = 1
    assert not all(torch.equal(x, y) for x, y in zip(first, [t for _, t in b]))


def test_same_batches_with_any_worker_count(tiny_data, tok):
    ds = _batches(tiny_data["train"], tok)
    single = list(ds)
    multi = list(torch.utils.data.DataLoader(ds, batch_size=None, num_workers=2))
    assert len(single) == len(multi)
    for (i1, t1), (i2, t2) in zip(single, multi):
        assert torch.equal(t1, t2) and torch.allclose(i1, i2)


def test_ranks_are_disjoint_and_equal_length(tiny_data, tok):
    full = _batches(tiny_data["train"], tok)
    r0, r1 = (
        _batches(tiny_data["train"], tok, rank=0, world_size=2),
        _batches(tiny_data["train"], tok, rank=1, world_size=2),
    )
    assert len(r0) == len(r1) == 3
    b0, b1 = list(r0), list(r1)
    assert len(b0) == len(b1) == 3
    # rank r takes every world_size-th sample of the one global order
    g = torch.cat([im for im, _ in full])
    assert torch.allclose(b0[0][0][0], g[0]) and torch.allclose(b1[0][0][0], g[1])


def test_resumable_loader_skips_consumed_batches(tiny_data, tok):
    ds = _batches(tiny_data["train"], tok)
    full = [t for _, t in ds]
    loader = ResumableLoader(ds, position_fn=lambda: 2)
    state = loader.state_dict()
    assert state == {"epoch": 0, "batches_done": 2}
    fresh = ResumableLoader(_batches(tiny_data["train"], tok))
    fresh.load_state_dict(state)
    rest = [t for _, t in fresh]
    assert len(rest) == len(full) - 2 and all(torch.equal(x, y) for x, y in zip(rest, full[2:]))
    assert len([t for _, t in fresh]) == len(full)  # the skip applies once


def test_csv_source_and_bad_inputs(tmp_path, tok):
    csv_path = synthetic.write_csv_pairs(tmp_path, 10, seed=3)
    src = CsvSource(csv_path)
    assert len(src) == 10
    assert len(list(_batches(str(csv_path), tok))) == 1
    with pytest.raises(DataError, match="missing column"):
        (tmp_path / "bad.csv").write_text("path,caption\nx,y\n")
        CsvSource(tmp_path / "bad.csv")
    with pytest.raises(DataError, match="does not exist"):
        ShardSource([tmp_path / "nope-000000.tar"])
    with pytest.raises(DataError, match="cannot fill one batch"):
        PairBatches(src, lambda im: im, tok[0], batch_size=64)


def test_augment_is_reproducible_and_label_preserving_shape():
    im = synthetic.tissue_image(4, __import__("numpy").random.default_rng(0))
    aug = HEAugment(32, (0.5,) * 3, (0.5,) * 3)
    a = aug(im, torch.Generator().manual_seed(3))
    b = aug(im, torch.Generator().manual_seed(3))
    c = aug(im, torch.Generator().manual_seed(4))
    assert a.shape == (3, 32, 32) and torch.equal(a, b) and not torch.equal(a, c)


def test_corrupt_image_and_missing_caption_name_the_sample(tmp_path, tok):
    import io
    import tarfile

    def shard(name, members):
        with tarfile.open(tmp_path / name, "w") as tf:
            for n, data in members:
                ti = tarfile.TarInfo(n)
                ti.size = len(data)
                tf.addfile(ti, io.BytesIO(data))

    shard("bad-000000.tar", [("k1.png", b"not a png"), ("k1.txt", b"adipose tissue")])
    ds = PairBatches(ShardSource([tmp_path / "bad-000000.tar"]), lambda im: torch.zeros(3), tok[0], 1, shuffle=False)
    with pytest.raises(DataError, match="k1.*does not decode"):
        list(ds)
    shard("nocap-000000.tar", [("k2.png", b"x"), ("k2.json", b"{}")])
    with pytest.raises(DataError, match="k2"):
        list(ShardSource([tmp_path / "nocap-000000.tar"]).iterate(None))


@pytest.mark.parametrize(
    "kind", ["truncated", "gzip_truncated", "gzip_header_flipped", "xz_flipped", "bz2_flipped", "not_a_tar"]
)
def test_a_damaged_shard_is_named_when_counted(tmp_path, kind):
    """Counting a damaged shard's samples (the first thing training does with it) is a DataError
    naming the shard, whatever tarfile, zlib or lzma raised."""
    from tests.damaged_tars import write_damaged

    members = {f"k{i}.txt": (f"caption {i} " * 200).encode() for i in range(8)}
    shard = write_damaged(tmp_path, members, "{kind}-000000.tar")[kind]
    with pytest.raises(DataError, match=f"{kind}-000000.tar is not a readable tar"):
        len(ShardSource([shard]))
