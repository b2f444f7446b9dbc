/* bitcast.f32: the f32 input's bytes as the output's dtype (shared/bitcast.h) */
#include "../shared/bitcast.h"

SELRT_BITCAST(bitcast, f32, SELRT_F32);
