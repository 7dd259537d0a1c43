"""Archives (业绩档案): members, performance records, model posts, assessments, and the
performance archive read model."""
