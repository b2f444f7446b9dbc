/* select.i8: TFLite SELECT, condition ? x : y on i8 values; a rank-1 condition picks along dim 0 (shared/select.h) */
#include "../shared/select.h"

SELRT_SELECT(select, i8, int8_t, SELRT_I8);
