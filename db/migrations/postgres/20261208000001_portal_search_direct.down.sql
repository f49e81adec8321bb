ALTER INDEX tickets_portal_search_idx RESET (fastupdate);
