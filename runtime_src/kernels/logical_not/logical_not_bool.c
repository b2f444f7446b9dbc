/* logical_not.bool: y = !x; any nonzero byte is true, the output is 0 or 1 */
#include "../shared/elementwise.h"

SELRT_UNARY(logical_not, bool, uint8_t, SELRT_BOOL, uint8_t, SELRT_BOOL, !v);
