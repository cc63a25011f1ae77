"""Click commands only: parse arguments, call the library, render. No logic worth testing lives here."""
