/* cast.i8: i8 to the output dtype (f32, i8, u8, i16, i32, i64, bool) as TFLite's static_cast (shared/cast.h) */
#include "../shared/cast.h"

SELRT_CAST(cast, i8, int8_t, SELRT_I8);
