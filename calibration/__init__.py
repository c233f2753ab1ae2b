"""Calibration of supplyshock against published estimates (targets and their sources)."""
