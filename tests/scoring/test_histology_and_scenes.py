from quiltkit.scoring.histology import histology_precision_recall
from quiltkit.scoring.scenes import gt_boundaries, scene_boundary_f1


def test_scene_f1_one_to_one_matching_within_tolerance():
    r = scene_boundary_f1([1.0, 1.2, 5.3, 9.0], [1.1, 5.0, 7.0], tol=0.5)
    assert (r["tp"], r["fp"], r["fn"]) == (2, 2, 1)  # 1.2 cannot vouch for 1.1 twice; 9.0 matches nothing
    assert abs(r["precision"] - 0.5) < 1e-9 and abs(r["recall"] - 2 / 3) < 1e-9
    assert abs(r["f1"] - 2 * 0.5 * (2 / 3) / (0.5 + 2 / 3)) < 1e-9
    assert scene_boundary_f1([], [])["f1"] == 1.0
    assert scene_boundary_f1([3.0], [])["precision"] == 0.0
    assert scene_boundary_f1([3.51], [3.0], tol=0.5)["tp"] == 0


def test_gt_boundaries_and_histology_pr():
    shots = [
        {"start": 0, "end": 4, "kind": "title"},
        {"start": 4, "end": 9, "kind": "histology"},
        {"start": 9, "end": 12, "kind": "slide"},
    ]
    assert gt_boundaries(shots) == [4.0, 9.0]
    kfs = [
        {"time": 0.5, "is_histology": False},
        {"time": 4.5, "is_histology": True},
        {"time": 8.9, "is_histology": False},
        {"time": 9.5, "is_histology": True},
    ]
    r = histology_precision_recall(kfs, {"shots": shots})
    assert (r["tp"], r["fp"], r["fn"], r["tn"]) == (1, 1, 1, 1)
    assert r["precision"] == 0.5 and r["recall"] == 0.5
