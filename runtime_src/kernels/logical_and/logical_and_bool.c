/* logical_and.bool: y = a && b, numpy broadcasting (shared/compare.h); any nonzero byte is true */
#include "../shared/compare.h"

SELRT_COMPARE(logical_and, bool, uint8_t, SELRT_BOOL, &&);
