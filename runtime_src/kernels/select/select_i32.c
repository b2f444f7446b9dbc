/* select.i32: TFLite SELECT, condition ? x : y on i32 values; a rank-1 condition picks along dim 0 (shared/select.h) */
#include "../shared/select.h"

SELRT_SELECT(select, i32, int32_t, SELRT_I32);
