"""From note text to flags: reading archives, Danish text, sentence roles, markers, case timeline, batch scans."""
