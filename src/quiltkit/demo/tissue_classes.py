"""The named tissue classes the demo renders (placeholder: the demo module fills in morphology)."""
TISSUE_CLASSES: dict[str, str] = {
    "normal colonic mucosa": "regular test-tube crypts lined by goblet cells, basal nuclei",
    "colorectal adenocarcinoma": "irregular back-to-back glands, atypical enlarged nuclei, dirty necrosis",
    "lymphoid tissue": "sheets of dense small round dark nuclei",
    "adipose tissue": "large empty polygonal vacuoles with thin membranes",
    "fibrous stroma": "pink wavy collagen bundles with sparse spindle nuclei",
}
