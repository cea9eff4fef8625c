"""The console's recovery pages."""
