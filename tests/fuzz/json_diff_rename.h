/*
 * json_diff_rename.h - forced include (-include) of the two builds of the
 * JSON modules that tests/fuzz/fuzz_json_fast_diff.c compares: every
 * external symbol of json_common.c, json_writer.c, json_reader.c, abi.c
 * and json_diff_side.c gets the prefix EMHTTP_DIFF_PREFIX (plain_ or
 * fast_), so both builds link into one program.  A symbol missing here
 * shows as a duplicate definition at link time.  (abi.c is built into each
 * side because the options, CONFIG_EMHTTP_JSON_FAST among them, are part
 * of EMHTTP_ABI_TAG.)
 */
#ifndef EMHTTP_JSON_DIFF_RENAME_H
#define EMHTTP_JSON_DIFF_RENAME_H

#define EMHTTP_DIFF_CAT2(a, b) a##b
#define EMHTTP_DIFF_CAT(a, b) EMHTTP_DIFF_CAT2(a, b)
#define EMHTTP_DIFF_NAME(n) EMHTTP_DIFF_CAT(EMHTTP_DIFF_PREFIX, n)

#define emhttp_abi_check EMHTTP_DIFF_NAME(emhttp_abi_check)
#define emhttp_json_pow5_ EMHTTP_DIFF_NAME(emhttp_json_pow5_)
#define emhttp_json_pow5inv_ EMHTTP_DIFF_NAME(emhttp_json_pow5inv_)
#define emhttp_jw_init_checked EMHTTP_DIFF_NAME(emhttp_jw_init_checked)
#define emhttp_jw_init_resumable_checked EMHTTP_DIFF_NAME(emhttp_jw_init_resumable_checked)
#define emhttp_jw_resume EMHTTP_DIFF_NAME(emhttp_jw_resume)
#define emhttp_jw_written EMHTTP_DIFF_NAME(emhttp_jw_written)
#define emhttp_jw_object EMHTTP_DIFF_NAME(emhttp_jw_object)
#define emhttp_jw_object_end EMHTTP_DIFF_NAME(emhttp_jw_object_end)
#define emhttp_jw_array EMHTTP_DIFF_NAME(emhttp_jw_array)
#define emhttp_jw_array_end EMHTTP_DIFF_NAME(emhttp_jw_array_end)
#define emhttp_jw_key_n EMHTTP_DIFF_NAME(emhttp_jw_key_n)
#define emhttp_jw_string_n EMHTTP_DIFF_NAME(emhttp_jw_string_n)
#define emhttp_jw_int EMHTTP_DIFF_NAME(emhttp_jw_int)
#define emhttp_jw_uint EMHTTP_DIFF_NAME(emhttp_jw_uint)
#define emhttp_jw_fixed EMHTTP_DIFF_NAME(emhttp_jw_fixed)
#define emhttp_jw_double EMHTTP_DIFF_NAME(emhttp_jw_double)
#define emhttp_jw_bool EMHTTP_DIFF_NAME(emhttp_jw_bool)
#define emhttp_jw_null EMHTTP_DIFF_NAME(emhttp_jw_null)
#define emhttp_jw_raw EMHTTP_DIFF_NAME(emhttp_jw_raw)
#define emhttp_jw_finish EMHTTP_DIFF_NAME(emhttp_jw_finish)
#define emhttp_jw_needed EMHTTP_DIFF_NAME(emhttp_jw_needed)
#define emhttp_jw_error EMHTTP_DIFF_NAME(emhttp_jw_error)
#define emhttp_jr_parse EMHTTP_DIFF_NAME(emhttp_jr_parse)
#define emhttp_jr_type EMHTTP_DIFF_NAME(emhttp_jr_type)
#define emhttp_jr_count EMHTTP_DIFF_NAME(emhttp_jr_count)
#define emhttp_jr_next EMHTTP_DIFF_NAME(emhttp_jr_next)
#define emhttp_jr_find EMHTTP_DIFF_NAME(emhttp_jr_find)
#define emhttp_jr_member EMHTTP_DIFF_NAME(emhttp_jr_member)
#define emhttp_jr_index EMHTTP_DIFF_NAME(emhttp_jr_index)
#define emhttp_jr_text EMHTTP_DIFF_NAME(emhttp_jr_text)
#define emhttp_jr_int EMHTTP_DIFF_NAME(emhttp_jr_int)
#define emhttp_jr_uint EMHTTP_DIFF_NAME(emhttp_jr_uint)
#define emhttp_jr_fixed EMHTTP_DIFF_NAME(emhttp_jr_fixed)
#define emhttp_jr_double EMHTTP_DIFF_NAME(emhttp_jr_double)
#define emhttp_jr_bool EMHTTP_DIFF_NAME(emhttp_jr_bool)
#define emhttp_jr_null EMHTTP_DIFF_NAME(emhttp_jr_null)
#define emhttp_jr_string EMHTTP_DIFF_NAME(emhttp_jr_string)
#define emhttp_jr_string_eq EMHTTP_DIFF_NAME(emhttp_jr_string_eq)
#define json_diff_run EMHTTP_DIFF_NAME(json_diff_run)

#endif
