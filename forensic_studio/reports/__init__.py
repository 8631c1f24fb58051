"""Reports: PDF layout (reportlab), figures, the analyst identity and PAdES signing (pyHanko)."""
