/* less_equal.i32: y = a <= b (bool), numpy broadcasting (shared/binary.h) */
#include "../shared/binary.h"

SELRT_COMPARE(less_equal, i32, int32_t, SELRT_I32, <=);
