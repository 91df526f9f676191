#ifndef COBRAND_PLURALS_H
#define COBRAND_PLURALS_H

// A narrow C face over ICU's plural rules, exposing no ICU types: Foundation on Linux carries its own
// ICU module, and importing both sets of ICU headers into Swift clashes.

/// Opens the CLDR plural rules of a locale ("de_DE"); NULL on failure. Close with cobrand_plurals_close.
void *cobrand_plurals_open(const char *locale);
void cobrand_plurals_close(void *rules);
/// Writes the category keyword of `number` ("one", "few", ...) into `keyword`; returns its length, or -1.
int cobrand_plurals_select(const void *rules, double number, char *keyword, int capacity);
/// Writes the locale's categories, space-separated, into `keywords`; returns the length, or -1.
int cobrand_plurals_keywords(const void *rules, char *keywords, int capacity);

#endif
