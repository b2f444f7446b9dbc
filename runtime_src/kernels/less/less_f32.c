/* less.f32: y = a < b (bool), numpy broadcasting (shared/compare.h) */
#include "../shared/compare.h"

SELRT_COMPARE(less, f32, float, SELRT_F32, <);
