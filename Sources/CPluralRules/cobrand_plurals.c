#include "cobrand_plurals.h"
#include <string.h>
#include <unicode/upluralrules.h>
#include <unicode/uenum.h>
#include <unicode/ustring.h>

void *cobrand_plurals_open(const char *locale) {
    UErrorCode status = U_ZERO_ERROR;
    UPluralRules *rules = uplrules_open(locale, &status);
    if (U_FAILURE(status)) return NULL;
    return rules;
}

void cobrand_plurals_close(void *rules) {
    if (rules) uplrules_close((UPluralRules *)rules);
}

int cobrand_plurals_select(const void *rules, double number, char *keyword, int capacity) {
    UErrorCode status = U_ZERO_ERROR;
    UChar buffer[32];
    int32_t length = uplrules_select((const UPluralRules *)rules, number, buffer, 32, &status);
    if (U_FAILURE(status) || length <= 0 || length >= capacity) return -1;
    u_austrncpy(keyword, buffer, length);
    keyword[length] = 0;
    return length;
}

int cobrand_plurals_keywords(const void *rules, char *keywords, int capacity) {
    UErrorCode status = U_ZERO_ERROR;
    UEnumeration *list = uplrules_getKeywords((const UPluralRules *)rules, &status);
    if (U_FAILURE(status)) return -1;
    int used = 0;
    int32_t length = 0;
    const char *keyword;
    keywords[0] = 0;
    while ((keyword = uenum_next(list, &length, &status)) != NULL && U_SUCCESS(status)) {
        if (used + length + 2 > capacity) break;
        if (used > 0) keywords[used++] = ' ';
        memcpy(keywords + used, keyword, (size_t)length);
        used += length;
        keywords[used] = 0;
    }
    uenum_close(list);
    return used;
}
