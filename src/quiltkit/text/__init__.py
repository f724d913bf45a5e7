"""Text: vocabulary, ASR error correction, sentences, entities (medSpaCy), keywords, roles, LLM client."""
