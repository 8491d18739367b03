"""Helpers of ``bench/speech_streams.py``: synthetic call audio and the server under test."""
