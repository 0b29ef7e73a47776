/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib.h>

/* EDS's headers still name GTimeVal, which GLib deprecated. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
#include <libebook/libebook.h>
G_GNUC_END_IGNORE_DEPRECATIONS

#include "ckd-identification-private.h"

/* The user's contacts, from Evolution Data Server's address books: each
 * enabled book is followed through a view of its contacts with a phone
 * number or an e-mail address, kept here as name and parsed numbers, so
 * that a ringing call asks nothing of EDS and never waits for it. Numbers
 * match as libebook-contacts says (e_phone_number_compare(): the same
 * national number, with or without the country code), not as strings.
 * Where EDS is not there, the source registry cannot be reached and the
 * contacts stay empty. */

typedef struct
{
  char *name;
  GPtrArray *numbers; /* EPhoneNumber * */
  GPtrArray *emails;  /* char *, lower case */
} Contact;

typedef struct
{
  CkdContacts *owner;
  char *uid; /* of its ESource */
  EBookClient *client;
  EBookClientView *view;
  GHashTable *contacts; /* contact uid -> Contact * */
} Book;

struct _CkdContacts
{
  GCancellable *cancellable;
  ESourceRegistry *registry;
  GPtrArray *books; /* Book * */
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EPhoneNumber, e_phone_number_free)

static void
contact_free (Contact *contact)
{
  g_free (contact->name);
  g_ptr_array_unref (contact->numbers);
  g_ptr_array_unref (contact->emails);
  g_free (contact);
}

static void
book_free (Book *book)
{
  if (book->view != NULL)
    {
      g_signal_handlers_disconnect_by_data (book->view, book);
      e_book_client_view_stop (book->view, NULL);
    }
  g_clear_object (&book->view);
  g_clear_object (&book->client);
  g_hash_table_unref (book->contacts);
  g_free (book->uid);
  g_free (book);
}

static const char *
display_name (EContact *econtact)
{
  static const EContactField fields[] = { E_CONTACT_FULL_NAME, E_CONTACT_FILE_AS,
                                          E_CONTACT_ORG };

  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      const char *name = e_contact_get_const (econtact, fields[i]);
      if (name != NULL && *name != '\0')
        return name;
    }
  return NULL;
}

static Contact *
contact_new (EContact *econtact)
{
  const char *name = display_name (econtact);
  GList *tels, *emails;
  Contact *contact;

  if (name == NULL)
    return NULL;
  contact = g_new0 (Contact, 1);
  contact->name = g_strdup (name);
  contact->numbers = g_ptr_array_new_with_free_func ((GDestroyNotify) e_phone_number_free);
  contact->emails = g_ptr_array_new_with_free_func (g_free);
  tels = e_contact_get (econtact, E_CONTACT_TEL);
  for (GList *l = tels; l != NULL; l = l->next)
    {
      /* Numbers without a country code are read in the user's region. */
      EPhoneNumber *number = e_phone_number_from_string (l->data, NULL, NULL);
      if (number != NULL)
        g_ptr_array_add (contact->numbers, number);
    }
  g_list_free_full (tels, g_free);
  emails = e_contact_get (econtact, E_CONTACT_EMAIL);
  for (GList *l = emails; l != NULL; l = l->next)
    g_ptr_array_add (contact->emails, g_utf8_strdown (l->data, -1));
  g_list_free_full (emails, g_free);
  return contact;
}

static void
on_objects_added (EBookClientView *view, const GSList *objects, gpointer user_data)
{
  Book *book = user_data;

  for (const GSList *l = objects; l != NULL; l = l->next)
    {
      EContact *econtact = l->data;
      const char *uid = e_contact_get_const (econtact, E_CONTACT_UID);
      Contact *contact = contact_new (econtact);

      if (uid == NULL)
        continue;
      if (contact != NULL)
        g_hash_table_replace (book->contacts, g_strdup (uid), contact);
      else
        g_hash_table_remove (book->contacts, uid);
    }
  g_debug ("address book %s: %u contacts with a name", book->uid,
           g_hash_table_size (book->contacts));
}

static void
on_objects_removed (EBookClientView *view, const GSList *uids, gpointer user_data)
{
  Book *book = user_data;

  for (const GSList *l = uids; l != NULL; l = l->next)
    g_hash_table_remove (book->contacts, l->data);
}

static void
on_view (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Book *book = user_data;
  g_autoptr (GError) error = NULL;
  EBookClientView *view = NULL;

  if (!e_book_client_get_view_finish (E_BOOK_CLIENT (source), result, &view, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_info ("cannot read address book %s: %s", book->uid, error->message);
      return;
    }
  book->view = view;
  g_signal_connect (view, "objects-added", G_CALLBACK (on_objects_added), book);
  g_signal_connect (view, "objects-modified", G_CALLBACK (on_objects_added), book);
  g_signal_connect (view, "objects-removed", G_CALLBACK (on_objects_removed), book);
  e_book_client_view_start (view, &error);
  if (error != NULL)
    g_info ("cannot follow address book %s: %s", book->uid, error->message);
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Book *book = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *query = NULL;
  EClient *client = e_book_client_connect_finish (result, &error);
  EBookQuery *query_any;

  if (client == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_info ("cannot open address book %s: %s", book->uid, error->message);
      return;
    }
  book->client = E_BOOK_CLIENT (client);
  /* The query takes the two it joins. */
  query_any = e_book_query_orv (e_book_query_field_exists (E_CONTACT_TEL),
                                e_book_query_field_exists (E_CONTACT_EMAIL), NULL);
  query = e_book_query_to_string (query_any);
  e_book_query_unref (query_any);
  e_book_client_get_view (book->client, query, book->owner->cancellable, on_view, book);
}

static void
open_book (CkdContacts *self, ESource *source)
{
  Book *book = g_new0 (Book, 1);

  book->owner = self;
  book->uid = g_strdup (e_source_get_uid (source));
  book->contacts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) contact_free);
  g_ptr_array_add (self->books, book);
  /* Waits a second at most for a remote book to be online: a local one
   * is at once. */
  e_book_client_connect (source, 1, self->cancellable, on_connected, book);
}

static void
on_source_added (ESourceRegistry *registry, ESource *source, gpointer user_data)
{
  CkdContacts *self = user_data;

  if (e_source_has_extension (source, E_SOURCE_EXTENSION_ADDRESS_BOOK)
      && e_source_registry_check_enabled (registry, source))
    open_book (self, source);
}

static void
on_registry (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CkdContacts *self = user_data;
  g_autoptr (GError) error = NULL;
  ESourceRegistry *registry = e_source_registry_new_finish (result, &error);
  GList *sources;

  if (registry == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("no address books (Evolution Data Server): %s", error->message);
      return;
    }
  self->registry = registry;
  g_signal_connect (registry, "source-added", G_CALLBACK (on_source_added), self);
  sources = e_source_registry_list_enabled (registry, E_SOURCE_EXTENSION_ADDRESS_BOOK);
  for (GList *l = sources; l != NULL; l = l->next)
    open_book (self, l->data);
  g_list_free_full (sources, g_object_unref);
}

/* libedataserver reads its settings with GSettings, which aborts the
 * process when a schema is missing: without EDS's schemas (EDS is not
 * installed, or XDG_DATA_DIRS hides them) there are no address books. */
static gboolean
eds_settings_installed (void)
{
  static const char *const schemas[] = { "org.gnome.evolution-data-server",
                                         "org.gnome.evolution-data-server.addressbook" };
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();

  for (gsize i = 0; i < G_N_ELEMENTS (schemas); i++)
    {
      g_autoptr (GSettingsSchema) schema =
        source != NULL ? g_settings_schema_source_lookup (source, schemas[i], TRUE) : NULL;
      if (schema == NULL)
        return FALSE;
    }
  return TRUE;
}

CkdContacts *
ckd_contacts_new (void)
{
  CkdContacts *self = g_new0 (CkdContacts, 1);

  self->cancellable = g_cancellable_new ();
  self->books = g_ptr_array_new_with_free_func ((GDestroyNotify) book_free);
  if (!eds_settings_installed ())
    {
      g_debug ("no address books: the settings schemas of Evolution Data Server are not "
               "installed");
      return self;
    }
  e_source_registry_new (self->cancellable, on_registry, self);
  return self;
}

void
ckd_contacts_free (CkdContacts *self)
{
  if (self == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  if (self->registry != NULL)
    g_signal_handlers_disconnect_by_data (self->registry, self);
  g_clear_pointer (&self->books, g_ptr_array_unref);
  g_clear_object (&self->registry);
  g_clear_object (&self->cancellable);
  g_free (self);
}

guint
ckd_contacts_count (CkdContacts *self)
{
  guint n = 0;

  for (guint i = 0; i < self->books->len; i++)
    n += g_hash_table_size (((Book *) g_ptr_array_index (self->books, i))->contacts);
  return n;
}

static gboolean
same_number (const Contact *contact, const EPhoneNumber *number)
{
  for (guint i = 0; i < contact->numbers->len; i++)
    {
      EPhoneNumberMatch match =
        e_phone_number_compare (g_ptr_array_index (contact->numbers, i), number);
      /* Exact, or the same national number (one side without a country
       * code): the number is the contact's. */
      if (match != E_PHONE_NUMBER_MATCH_NONE && match <= E_PHONE_NUMBER_MATCH_NATIONAL)
        return TRUE;
    }
  return FALSE;
}

static gboolean
same_email (const Contact *contact, const char *email)
{
  for (guint i = 0; i < contact->emails->len; i++)
    if (g_str_equal (g_ptr_array_index (contact->emails, i), email))
      return TRUE;
  return FALSE;
}

const char *
ckd_contacts_lookup (CkdContacts *self, CkdHandleType type, const char *handle)
{
  g_autoptr (EPhoneNumber) number = NULL;
  g_autofree char *email = NULL;

  if (self == NULL || handle == NULL || *handle == '\0')
    return NULL;
  if (type != CKD_HANDLE_EMAIL_ADDRESS)
    number = e_phone_number_from_string (handle, NULL, NULL);
  if (type != CKD_HANDLE_PHONE_NUMBER)
    email = g_utf8_strdown (g_str_has_prefix (handle, "mailto:") ? handle + 7 : handle, -1);
  for (guint i = 0; i < self->books->len; i++)
    {
      Book *book = g_ptr_array_index (self->books, i);
      GHashTableIter iter;
      Contact *contact;

      g_hash_table_iter_init (&iter, book->contacts);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &contact))
        if ((number != NULL && same_number (contact, number))
            || (email != NULL && same_email (contact, email)))
          return contact->name;
    }
  return NULL;
}
