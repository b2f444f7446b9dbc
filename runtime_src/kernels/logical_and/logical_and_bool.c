/* logical_and.bool: y = a && b, numpy broadcasting (shared/binary.h); any nonzero byte is true */
#include "../shared/binary.h"

SELRT_COMPARE(logical_and, bool, uint8_t, SELRT_BOOL, &&);
