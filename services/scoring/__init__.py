"""Scoring (三级考评): three-tier dynamic evaluations of every member."""
