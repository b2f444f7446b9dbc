/* less.f32: y = a < b (bool), numpy broadcasting (shared/binary.h) */
#include "../shared/binary.h"

SELRT_COMPARE(less, f32, float, SELRT_F32, <);
