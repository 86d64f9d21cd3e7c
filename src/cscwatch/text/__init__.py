"""What the reports say: report text segmented, classified into themes and polarity, recommendations
extracted and followed up in the next report (see docs/themes.md)."""
