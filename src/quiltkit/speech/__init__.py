"""Speech: audio decoding, ASR backends (faster-whisper, openai-whisper), the domain prompt."""
