/* not_equal.f32: y = a != b (bool), numpy broadcasting (shared/binary.h) */
#include "../shared/binary.h"

SELRT_COMPARE(not_equal, f32, float, SELRT_F32, !=);
