/* logical_or.bool: y = a || b, numpy broadcasting (shared/binary.h); any nonzero byte is true */
#include "../shared/binary.h"

SELRT_COMPARE(logical_or, bool, uint8_t, SELRT_BOOL, ||);
