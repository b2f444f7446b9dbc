/* add_n.f32: the elementwise sum of its inputs, left to right (shared/binary.h) */
#include "../shared/binary.h"

SELRT_ADDN(add_n, f32, float, SELRT_F32, float);
