/* reduce_min.f32: minimum over the input dims set in axis_mask (shared/reduce_f32.h). */
#include "../shared/reduce_f32.h"

SELRT_REDUCE_F32(reduce_min, MIN);
