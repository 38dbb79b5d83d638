from django.contrib import admin

from community.privacy.admin import ReadOnlyAdmin

from .models import ConsentDocument, ConsentRecord


# Staff draft and publish in the consent pages, where the rules are checked; the admin only
# shows. The ledger in particular can never be changed or deleted here.
@admin.register(ConsentDocument)
class ConsentDocumentAdmin(ReadOnlyAdmin):
    list_display = ["kind", "version", "language", "effective_at", "published_at"]
    list_filter = ["kind", "language"]


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "kind", "version", "decision", "method"]
    list_filter = ["kind", "decision", "method"]
    list_select_related = ["user"]
    readonly_fields = [field.name for field in ConsentRecord._meta.fields]
