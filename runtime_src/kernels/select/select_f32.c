/* select.f32: TFLite SELECT, condition ? x : y on f32 values; a rank-1 condition picks along dim 0 (shared/select.h) */
#include "../shared/select.h"

SELRT_SELECT(select, f32, float, SELRT_F32);
